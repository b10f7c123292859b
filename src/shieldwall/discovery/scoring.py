"""Candidate tags scored against the blocked ones, into the suggestions queue.

The blocked tags are the seen tags the term rules suppress (`terms.services.current_matcher`).
Every other tag used often enough is a candidate, with five features, each in 0..1:

- `cooccurrence`: the share of its posts that also carry a blocked tag (from `TagPair`);
- `removed`: the share of its posts the platform removed at Shieldwall's request;
- `account_share`: the share of its uses that come from accounts that used blocked tags;
- `pagerank`: personalised PageRank from the blocked tags over the account-tag bipartite
  graph (a random walk tag -> account -> tag that restarts at the blocked tags), taken as
  the lift over what the tag's degree alone would give it, squashed into 0..1;
- `burst`: its recent rate against its own baseline, squashed into 0..1.

The score is a logistic combination of them with weights learnt from staff's reviews
(`RankingModel`, a bounded online logistic regression). Burst enters only multiplied by
the tag's closeness (the largest of the other four): a harmless viral tag bursts, but it is
not close to the blocked tags, so it does not rank.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import structlog
from django.db import transaction
from django.utils import timezone
from scipy import sparse

from shieldwall.discovery.graph import bucket_of, position
from shieldwall.discovery.kinds import SuggestionState, TagFeature
from shieldwall.discovery.models import (
    AccountTag,
    RankingModel,
    TagBucket,
    TagPair,
    TagStat,
    TagSuggestion,
)
from shieldwall.integrations import queries as actions
from shieldwall.subjects import reads
from shieldwall.terms import services as terms
from shieldwall.terms.kinds import RuleEffect
from shieldwall.terms.normalise import term_key

log = structlog.get_logger(__name__)

# Which tags are candidates, and how many suggestions stay open.
MIN_USES = 3  # posts carrying the tag
MIN_ACCOUNTS = 2  # distinct accounts that used it
SUGGEST_MIN_SCORE = 0.5
MAX_OPEN = 100
# A rejected tag comes back only once its support (posts with a blocked tag or removed)
# is this many times what it was when rejected, and at least RESUGGEST_EXTRA more.
RESUGGEST_GROWTH = 2.0
RESUGGEST_EXTRA = 10
# Personalised PageRank: restart probability 1 - DAMPING, at most ITERATIONS steps.
DAMPING = 0.85
ITERATIONS = 50
TOLERANCE = 1e-10
PPR_HALF = 10.0  # a lift of this many times its degree's share gives 0.5
# Burst: the last RECENT_HOURS against the BASELINE_HOURS before them.
RECENT_HOURS = 6
BASELINE_HOURS = 7 * 24
BURST_HALF = 4.0  # a recent rate this many times the baseline gives 0.5
BURST_MIN_USES = 5  # fewer recent uses than this is no burst at all
BURST_PRIOR = 1.0  # uses per baseline window assumed for a tag with no past
# Evidence kept per suggestion.
EVIDENCE_TAGS = 5
EVIDENCE_POSTS = 5
EVIDENCE_ACCOUNTS = 5
# The ranking's starting point and its bounds while learning.
FEATURES = tuple(TagFeature.values)
DEFAULT_WEIGHTS: dict[str, float] = {
    TagFeature.COOCCURRENCE: 4.0,
    TagFeature.REMOVED: 3.0,
    TagFeature.ACCOUNT_SHARE: 4.0,
    TagFeature.PAGERANK: 3.0,
    TagFeature.BURST: 2.0,
}
DEFAULT_BIAS = -5.0
LEARNING_RATE = 0.5
WEIGHT_BOUNDS = (0.0, 10.0)  # no feature may count against a tag, none without limit
BIAS_BOUNDS = (-10.0, 0.0)
RANKING = "tags"


def _squash(x: float, half: float) -> float:
    """0 at 0, 0.5 at `half`, towards 1 beyond."""
    return x / (x + half) if x > 0 else 0.0


@dataclass
class Graph:
    """The account-tag graph as a sparse matrix (accounts x tags, weights = uses), held for
    one graph position: scoring and the account leads of one round share it."""

    position: int
    accounts: list[str]
    tags: list[str]
    tag_index: dict[str, int]
    matrix: sparse.csr_matrix  # accounts x tags
    by_tag: sparse.csr_matrix  # tags x accounts (the transpose, row-ordered)
    account_degree: np.ndarray
    tag_degree: np.ndarray
    tag_uses: dict[str, int]

    @classmethod
    def load(cls) -> Graph:
        at = position()
        accounts: dict[str, int] = {}
        tag_index: dict[str, int] = {}
        tag_uses = dict(TagStat.objects.values_list("tag", "uses"))
        for tag in tag_uses:
            tag_index[tag] = len(tag_index)
        rows: list[int] = []
        cols: list[int] = []
        data: list[float] = []
        for account_id, tag, uses in AccountTag.objects.values_list("account_id", "tag", "uses"):
            i = accounts.setdefault(account_id, len(accounts))
            j = tag_index.setdefault(tag, len(tag_index))
            rows.append(i)
            cols.append(j)
            data.append(float(uses))
        shape = (len(accounts), len(tag_index))
        matrix = sparse.csr_matrix((data, (rows, cols)), shape=shape, dtype=np.float64)
        return cls(
            position=at,
            accounts=list(accounts),
            tags=list(tag_index),
            tag_index=tag_index,
            matrix=matrix,
            by_tag=matrix.T.tocsr(),
            account_degree=np.asarray(matrix.sum(axis=1)).ravel(),
            tag_degree=np.asarray(matrix.sum(axis=0)).ravel(),
            tag_uses=tag_uses,
        )

    def pagerank(self, seeds: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Personalised PageRank from the seed tags: (mass on each tag, mass on each account),
        by power iteration of the walk tag -> account -> tag over the held matrices."""
        n_tags = len(self.tags)
        seed = np.zeros(n_tags)
        for tag in seeds:
            j = self.tag_index.get(tag)
            if j is not None and self.tag_degree[j] > 0:
                seed[j] = 1.0
        if not seed.any():
            return np.zeros(n_tags), np.zeros(len(self.accounts))
        seed /= seed.sum()
        inv_tag = np.divide(1.0, self.tag_degree, out=np.zeros(n_tags), where=self.tag_degree > 0)
        inv_acc = np.divide(
            1.0,
            self.account_degree,
            out=np.zeros(len(self.accounts)),
            where=self.account_degree > 0,
        )
        ranks = seed.copy()
        on_accounts = np.zeros(len(self.accounts))
        for _ in range(ITERATIONS):
            on_accounts = self.matrix @ (ranks * inv_tag)
            walked = self.by_tag @ (on_accounts * inv_acc)
            # Mass that reached a dead end (an account-less tag) restarts at the seeds.
            walked += seed * max(0.0, ranks.sum() - walked.sum())
            fresh = (1 - DAMPING) * seed + DAMPING * walked
            done = np.abs(fresh - ranks).sum() < TOLERANCE
            ranks = fresh
            if done:
                break
        return ranks, on_accounts

    def lift(self, mass: np.ndarray, degree: np.ndarray) -> np.ndarray:
        """Each node's PageRank mass over its share of all uses (1: as a random node)."""
        total = degree.sum()
        share = degree / total if total else degree
        return np.divide(mass, share, out=np.zeros_like(mass), where=share > 0)


_held: Graph | None = None


def graph() -> Graph:
    """The graph as of the current position (loaded again only once it moved)."""
    global _held
    at = position()
    if _held is None or _held.position != at:
        _held = Graph.load()
    return _held


def forget_graph() -> None:
    """Drop the held graph (tests that empty the tables)."""
    global _held
    _held = None


def blocked_tags(tags: Iterable[str]) -> set[str]:
    """The tags among these that a term rule suppresses now."""
    matcher = terms.current_matcher()
    return {t for t in tags if matcher.check_tag(t).suppressed}


def excepted_tags(tags: Iterable[str]) -> set[str]:
    """The tags among these that staff made an exception for (an allow rule): staff have
    already said they are ordinary, so they are never suggested."""
    matcher = terms.current_matcher()
    keys = {r.key for r in getattr(matcher, "rules", ()) if r.effect == RuleEffect.ALLOW}
    return {t for t in tags if term_key(t) in keys} if keys else set()


def current_weights() -> tuple[dict[str, float], float]:
    """The ranking's weights by feature and its bias (the defaults until staff reviewed)."""
    row = RankingModel.objects.filter(name=RANKING).first()
    if row is None:
        return dict(DEFAULT_WEIGHTS), DEFAULT_BIAS
    weights = {f: float(row.weights.get(f, DEFAULT_WEIGHTS[f])) for f in FEATURES}
    return weights, row.bias


def closeness(features: Mapping[str, float]) -> float:
    """How close a tag is to the blocked ones, burst aside."""
    return max(
        features.get(TagFeature.COOCCURRENCE, 0.0),
        features.get(TagFeature.REMOVED, 0.0),
        features.get(TagFeature.ACCOUNT_SHARE, 0.0),
        features.get(TagFeature.PAGERANK, 0.0),
    )


def inputs(features: Mapping[str, float]) -> dict[str, float]:
    """What the ranking weighs: the features, with burst counted only with closeness."""
    x = {f: float(features.get(f, 0.0)) for f in FEATURES}
    x[TagFeature.BURST] *= closeness(features)
    return x


def combine(features: Mapping[str, float], weights: Mapping[str, float], bias: float) -> float:
    """The score in 0..1."""
    x = inputs(features)
    z = bias + sum(weights[f] * x[f] for f in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def learn(features: Mapping[str, Any], *, label: bool) -> dict[str, float]:
    """One step of logistic regression on a reviewed suggestion (approved: 1, rejected: 0),
    weights kept within bounds; the caller's transaction keeps it with the review. Returns
    the new weights."""
    weights, bias = current_weights()
    row, _ = RankingModel.objects.select_for_update().get_or_create(
        name=RANKING,
        defaults={"weights": weights, "bias": bias, "labels": 0, "updated_at": timezone.now()},
    )
    weights = {f: float(row.weights.get(f, DEFAULT_WEIGHTS[f])) for f in FEATURES}
    clean = {f: float(features.get(f, 0.0)) for f in FEATURES}
    error = (1.0 if label else 0.0) - combine(clean, weights, row.bias)
    x = inputs(clean)
    lo, hi = WEIGHT_BOUNDS
    for f in FEATURES:
        weights[f] = round(min(hi, max(lo, weights[f] + LEARNING_RATE * error * x[f])), 6)
    row.bias = round(min(BIAS_BOUNDS[1], max(BIAS_BOUNDS[0], row.bias + LEARNING_RATE * error)), 6)
    row.weights = weights
    row.labels += 1
    row.updated_at = timezone.now()
    row.save()
    return weights


@dataclass(frozen=True)
class Candidate:
    """A scored tag with its evidence."""

    tag: str
    score: float
    features: dict[str, float]
    support: int
    evidence: dict[str, Any]


def _bursts(tags: set[str], now: datetime) -> dict[str, float]:
    """Each tag's burst feature from its hourly buckets."""
    current = bucket_of(now)
    recent_from = current - RECENT_HOURS + 1
    base_from = recent_from - BASELINE_HOURS
    recent: dict[str, int] = defaultdict(int)
    base: dict[str, int] = defaultdict(int)
    rows = TagBucket.objects.filter(bucket__gte=base_from, bucket__lte=current)
    for tag, bucket, uses in rows.values_list("tag", "bucket", "uses"):
        if tag in tags:
            (recent if bucket >= recent_from else base)[tag] += uses
    found = {}
    for tag, n in recent.items():
        if n < BURST_MIN_USES:
            continue
        ratio = (n / RECENT_HOURS) / ((base.get(tag, 0) + BURST_PRIOR) / BASELINE_HOURS)
        found[tag] = _squash(ratio, BURST_HALF)
    return found


def _pairs_with(blocked: set[str]) -> dict[str, dict[str, int]]:
    """For each tag, the blocked tags it shared posts with, and how many."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    names = sorted(blocked)
    for start in range(0, len(names), 400):
        chunk = names[start : start + 400]
        for a, b, n in TagPair.objects.filter(tag_a__in=chunk).values_list(
            "tag_a", "tag_b", "posts"
        ):
            found[b][a] = found[b].get(a, 0) + n
        for a, b, n in TagPair.objects.filter(tag_b__in=chunk).values_list(
            "tag_a", "tag_b", "posts"
        ):
            found[a][b] = found[a].get(b, 0) + n
    return found


def _removed_counts() -> tuple[dict[str, int], set[str]]:
    removed = actions.removed_post_ids()
    counts: dict[str, int] = defaultdict(int)
    for tags in reads.hashtags_of_posts(removed).values():
        for tag in set(tags):
            counts[tag] += 1
    return counts, removed


def _rejected_support() -> dict[str, int]:
    """The largest support each rejected tag had when staff rejected it."""
    found: dict[str, int] = {}
    rows = TagSuggestion.objects.filter(state=SuggestionState.REJECTED)
    for tag, support in rows.values_list("tag", "support"):
        found[tag] = max(found.get(tag, 0), support)
    return found


def resuggest_allowed(support: int, rejected_at: int) -> bool:
    """Whether a tag rejected with `rejected_at` support may come back with `support`."""
    return support >= max(rejected_at * RESUGGEST_GROWTH, rejected_at + RESUGGEST_EXTRA)


def candidates(*, now: datetime | None = None) -> list[Candidate]:
    """Every candidate tag scored, best first (rejected and approved ones left out unless a
    rejected one's evidence grew well beyond what was rejected)."""
    now = now or timezone.now()
    g = graph()
    blocked = blocked_tags(g.tags)
    if not blocked:
        return []
    weights, bias = current_weights()
    ranks, _ = g.pagerank(blocked)
    tag_lift = g.lift(ranks, g.tag_degree)
    # Accounts that used a blocked tag, and what share of each tag's uses are theirs.
    blocked_cols = np.zeros(len(g.tags))
    for tag in blocked:
        blocked_cols[g.tag_index[tag]] = 1.0
    blocked_use = g.matrix @ blocked_cols
    close_accounts = (blocked_use > 0).astype(np.float64)
    close_weight = g.by_tag @ close_accounts  # per tag, the uses by accounts close to blocked
    users = g.by_tag.copy()
    users.data[:] = 1.0
    close_use = users @ close_accounts  # per tag, how many accounts close to blocked tags
    pairs = _pairs_with(blocked)
    removed_by_tag, _ = _removed_counts()
    rejected = _rejected_support()
    approved = set(
        TagSuggestion.objects.filter(state=SuggestionState.APPROVED).values_list("tag", flat=True)
    )
    approved |= excepted_tags(g.tags)  # never suggested either
    account_counts = np.diff(g.by_tag.indptr)
    scored: list[Candidate] = []
    pool: dict[str, dict[str, float]] = {}
    for tag, j in g.tag_index.items():
        uses = g.tag_uses.get(tag, 0)
        if tag in blocked or tag in approved or uses < MIN_USES or account_counts[j] < MIN_ACCOUNTS:
            continue
        co_posts = min(uses, sum(pairs.get(tag, {}).values()))
        removed = removed_by_tag.get(tag, 0)
        degree = g.tag_degree[j]
        share = float(close_weight[j] / degree) if degree else 0.0
        features: dict[str, float] = {
            TagFeature.COOCCURRENCE: co_posts / uses,
            TagFeature.REMOVED: min(1.0, removed / uses),
            TagFeature.ACCOUNT_SHARE: min(1.0, share),
            TagFeature.PAGERANK: _squash(float(tag_lift[j]), PPR_HALF),
            TagFeature.BURST: 0.0,
        }
        if closeness(features) <= 0:
            continue
        pool[tag] = features
    for tag, burst in _bursts(set(pool), now).items():
        pool[tag][TagFeature.BURST] = burst
    for tag, features in pool.items():
        support = min(g.tag_uses[tag], sum(pairs.get(tag, {}).values())) + removed_by_tag.get(
            tag, 0
        )
        if tag in rejected and not resuggest_allowed(support, rejected[tag]):
            continue
        clean = {str(f): round(v, 4) for f, v in features.items()}
        score = round(combine(clean, weights, bias), 4)
        j = g.tag_index[tag]
        scored.append(
            Candidate(
                tag=tag,
                score=score,
                features=clean,
                support=support,
                evidence={
                    "posts": g.tag_uses[tag],
                    "accounts": int(account_counts[j]),
                    "close_accounts": int(close_use[j]),
                    "blocked_posts": min(g.tag_uses[tag], sum(pairs.get(tag, {}).values())),
                    "removed_posts": removed_by_tag.get(tag, 0),
                    "blocked_tags": sorted(
                        pairs.get(tag, {}).items(), key=lambda kv: (-kv[1], kv[0])
                    )[:EVIDENCE_TAGS],
                },
            )
        )
    scored.sort(key=lambda c: (-c.score, c.tag))
    return scored


def _add_examples(chosen: list[Candidate], g: Graph, blocked: set[str]) -> None:
    """Example posts (those also carrying a blocked tag first) and accounts for each."""
    recent = reads.recent_posts_with_tags([c.tag for c in chosen], newest=EVIDENCE_POSTS * 4)
    tags_of = reads.hashtags_of_posts(p for posts in recent.values() for p in posts)
    blocked_cols = np.zeros(len(g.tags))
    for tag in blocked:
        blocked_cols[g.tag_index[tag]] = 1.0
    blocked_use = g.matrix @ blocked_cols
    for c in chosen:
        posts = recent.get(c.tag, [])
        with_blocked = [p for p in posts if blocked & set(tags_of.get(p, ()))]
        rest = [p for p in posts if p not in with_blocked]
        c.evidence["post_ids"] = (with_blocked + rest)[:EVIDENCE_POSTS]
        j = g.tag_index[c.tag]
        row = g.by_tag.getrow(j)
        users = sorted(
            zip(row.indices.tolist(), row.data.tolist(), strict=True),
            key=lambda iu: (-int(blocked_use[iu[0]] > 0), -iu[1], g.accounts[iu[0]]),
        )
        c.evidence["account_ids"] = [g.accounts[i] for i, _ in users[:EVIDENCE_ACCOUNTS]]


def score_tags(*, now: datetime | None = None) -> int:
    """Refresh the open suggestions from the current scores; return how many are open.

    Open suggestions are rescored in place, new ones added, and open ones that no longer
    qualify (blocked meanwhile, or fallen below the bar) dropped: they were never reviewed.
    Reviewed ones are never touched."""
    now = now or timezone.now()
    ranked = [c for c in candidates(now=now) if c.score >= SUGGEST_MIN_SCORE][:MAX_OPEN]
    g = graph()
    if ranked:
        _add_examples(ranked, g, blocked_tags(g.tags))
    with transaction.atomic():
        existing = {s.tag: s for s in TagSuggestion.objects.filter(state=SuggestionState.OPEN)}
        keep = {c.tag for c in ranked}
        TagSuggestion.objects.filter(state=SuggestionState.OPEN).exclude(tag__in=keep).delete()
        fresh: list[TagSuggestion] = []
        changed: list[TagSuggestion] = []
        for c in ranked:
            row = existing.get(c.tag)
            if row is None:
                fresh.append(
                    TagSuggestion(
                        tag=c.tag,
                        score=c.score,
                        features=c.features,
                        evidence=c.evidence,
                        support=c.support,
                        state=SuggestionState.OPEN,
                        created_at=now,
                        scored_at=now,
                    )
                )
                continue
            row.score, row.features, row.evidence = c.score, c.features, c.evidence
            row.support, row.scored_at = c.support, now
            changed.append(row)
        TagSuggestion.objects.bulk_create(fresh, ignore_conflicts=True)  # another worker
        TagSuggestion.objects.bulk_update(
            changed, ["score", "features", "evidence", "support", "scored_at"], batch_size=200
        )
    log.info("discovery.scored", open=len(ranked), new=len(fresh))
    return len(ranked)
