"""Accounts found: ranked by closeness to blocked tags and removed content, and review cases
opened for the top ones. Nothing is suspended, removed or limited here: staff decide.

Features of an account, each in 0..1:

- `pagerank`: the personalised PageRank mass on its side of the account-tag graph (walks
  from the blocked tags), as a lift over its degree's share, squashed;
- `blocked_tag_share`: the share of its tag uses that are blocked tags;
- `removed`: its posts the platform removed at Shieldwall's request (n / (n + 1));
- `new_account`: how new it is (1 for a day-old account, halving every NEW_HALF_DAYS);
- `blocked_uploads`: blocked upload attempts of known media (matching's scan signals);
- `solicitation`: its recent posts matching the operator's solicitation patterns (config
  `SHIELDWALL_SOLICITATION_PATTERNS_FILE`; none ship), compared after the same
  normalisation as term rules (`terms.normalise.term_key`), all patterns at once with
  Aho-Corasick.

The score is a noisy-or of the closeness features; the account's age only scales it (a new
account alone is not a lead).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import ahocorasick
import numpy as np
import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shieldwall.cases import priority
from shieldwall.cases.events import CaseEvent
from shieldwall.cases.scan_signals import DISCOVERY_LEAD
from shieldwall.cases.services import open_case
from shieldwall.core import audit
from shieldwall.core.actors import SYSTEM
from shieldwall.discovery.events import DiscoveryEvent
from shieldwall.discovery.kinds import AccountFeature
from shieldwall.discovery.models import AccountLead
from shieldwall.discovery.scoring import blocked_tags, graph
from shieldwall.integrations import queries as actions
from shieldwall.matching import queries as scans
from shieldwall.reports.categories import Category, CseReason
from shieldwall.subjects import reads
from shieldwall.subjects.kinds import SubjectType
from shieldwall.terms.normalise import term_key

log = structlog.get_logger(__name__)

LEAD_SIGNAL = DISCOVERY_LEAD  # the case signal the desk shows for these cases
CANDIDATES = 500  # accounts looked at closely (age, uploads, posts) per round
KEPT = 200  # leads kept for the desk per round, best first
MIN_CASE_SCORE = 0.45
# An account whose lead case was closed gets another only once its support (blocked tag
# uses, removals, blocked uploads, solicitation posts) is this many times what it was when
# that case opened, and at least RECASE_EXTRA more: a moderator's look is not undone daily.
RECASE_GROWTH = 2.0
RECASE_EXTRA = 5
PPR_HALF = 4.0  # an account's PageRank lift of this many times its degree's share gives 0.5
UPLOADS_DAYS = 30
NEW_HALF_DAYS = 14.0
POSTS_READ = 30  # an account's newest posts read for solicitation
EVIDENCE_ITEMS = 5
# Noisy-or weights: how much one feature at 1 alone makes of the score.
WEIGHTS: dict[str, float] = {
    AccountFeature.PAGERANK: 0.5,
    AccountFeature.BLOCKED_TAG_SHARE: 0.8,
    AccountFeature.REMOVED: 0.6,
    AccountFeature.BLOCKED_UPLOADS: 0.7,
    AccountFeature.SOLICITATION: 0.6,
}
AGE_WEIGHT = 0.2  # an old account keeps (1 - AGE_WEIGHT) of its score


def combine(features: Mapping[str, float]) -> float:
    """The lead score in 0..1."""
    miss = 1.0
    for feature, weight in WEIGHTS.items():
        miss *= 1.0 - weight * min(1.0, max(0.0, features.get(feature, 0.0)))
    new = features.get(AccountFeature.NEW_ACCOUNT, 0.0)
    return (1.0 - miss) * (1.0 - AGE_WEIGHT + AGE_WEIGHT * new)


class Patterns:
    """The operator's solicitation patterns as one Aho-Corasick automaton over their keys."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.automaton: Any = None
        keys = {term_key(p): p for p in patterns if term_key(p)}
        if keys:
            automaton = ahocorasick.Automaton()
            for key, pattern in keys.items():
                automaton.add_word(key, pattern)
            automaton.make_automaton()
            self.automaton = automaton

    def __bool__(self) -> bool:
        return self.automaton is not None

    def hits(self, text: str) -> set[str]:
        """The patterns found in this text (after normalisation)."""
        if self.automaton is None:
            return set()
        return {pattern for _, pattern in self.automaton.iter(term_key(text))}


def _patterns() -> Patterns:
    return Patterns(settings.SHIELDWALL.solicitation_patterns)


@dataclass(frozen=True)
class Lead:
    """An account with its score, features and evidence."""

    account_id: str
    score: float
    features: dict[str, float]
    evidence: dict[str, Any]
    support: int = 0  # blocked tag uses + removed posts + blocked uploads + solicitation posts


def _new_account(created_at: datetime | None, now: datetime) -> float:
    if created_at is None:
        return 0.0
    days = max(0.0, (now - created_at).total_seconds() / 86400 - 1.0)
    return 0.5 ** (days / NEW_HALF_DAYS)


def rank_accounts(*, now: datetime | None = None) -> list[Lead]:
    """Accounts close to blocked tags, removed content, blocked uploads or solicitation,
    scored best first."""
    now = now or timezone.now()
    g = graph()
    blocked = blocked_tags(g.tags)
    _, on_accounts = g.pagerank(blocked)
    lift = g.lift(on_accounts, g.account_degree)
    blocked_cols = np.zeros(len(g.tags))
    for tag in blocked:
        blocked_cols[g.tag_index[tag]] = 1.0
    blocked_use = g.matrix @ blocked_cols
    removed = actions.removed_post_ids()
    removed_by: dict[str, list[str]] = defaultdict(list)
    for post_id, facts in reads.posts_by_id(removed).items():
        if facts.account_id:
            removed_by[facts.account_id].append(post_id)
    uploads_all = scans.blocked_uploads_by_account(since=now - timedelta(days=UPLOADS_DAYS))
    index = {a: i for i, a in enumerate(g.accounts)}
    # A first cut on what the graph and the removals say, then a close look at the best.
    rough: dict[str, dict[str, float]] = {}
    for account_id in {*(g.accounts[i] for i in np.flatnonzero(blocked_use)), *removed_by}:
        i = index.get(account_id)
        degree = g.account_degree[i] if i is not None else 0.0
        n_removed = len(removed_by.get(account_id, ()))
        rough[account_id] = {
            AccountFeature.PAGERANK: _squash(float(lift[i]) if i is not None else 0.0),
            AccountFeature.BLOCKED_TAG_SHARE: float(blocked_use[i] / degree) if degree else 0.0,
            AccountFeature.REMOVED: n_removed / (n_removed + 1.0),
        }
    for account_id in uploads_all:
        if account_id not in rough:
            i = index.get(account_id)
            rough[account_id] = {
                AccountFeature.PAGERANK: _squash(float(lift[i]) if i is not None else 0.0),
                AccountFeature.BLOCKED_TAG_SHARE: 0.0,
                AccountFeature.REMOVED: 0.0,
            }
    patterns = _patterns()
    if patterns:
        # Solicitation can find an account that used no blocked tag: every account with a
        # PageRank lift above 1 is looked at too.
        for k in np.flatnonzero(lift > 1.0).tolist():
            rough.setdefault(
                g.accounts[k],
                {
                    AccountFeature.PAGERANK: _squash(float(lift[k])),
                    AccountFeature.BLOCKED_TAG_SHARE: 0.0,
                    AccountFeature.REMOVED: 0.0,
                },
            )
    for account_id, features in rough.items():
        n = uploads_all.get(account_id, 0)
        features[AccountFeature.BLOCKED_UPLOADS] = n / (n + 2.0)
    best = sorted(rough, key=lambda a: (-combine(rough[a]), a))[:CANDIDATES]
    created = reads.accounts_created_at(best)
    texts = reads.post_texts_of_accounts(best, newest=POSTS_READ) if patterns else {}
    leads = []
    for account_id in best:
        features = rough[account_id]
        features[AccountFeature.NEW_ACCOUNT] = _new_account(created.get(account_id), now)
        hits = [
            (post_id, sorted(found))
            for post_id, text in texts.get(account_id, ())
            if (found := patterns.hits(text))
        ]
        features[AccountFeature.SOLICITATION] = len(hits) / (len(hits) + 1.0)
        clean = {str(f): round(v, 4) for f, v in features.items()}
        score = round(combine(clean), 4)
        if score <= 0:
            continue
        i = index.get(account_id)
        used = _blocked_used(g, i, blocked) if i is not None else []
        at = created.get(account_id)
        support = (
            sum(n for _, n in used)
            + len(removed_by.get(account_id, ()))
            + uploads_all.get(account_id, 0)
            + len(hits)
        )
        leads.append(
            Lead(
                account_id=account_id,
                score=score,
                features=clean,
                support=support,
                evidence={
                    "blocked_tags": used[:EVIDENCE_ITEMS],
                    "removed_post_ids": sorted(removed_by.get(account_id, ()))[:EVIDENCE_ITEMS],
                    "blocked_uploads": uploads_all.get(account_id, 0),
                    "solicitation_post_ids": [p for p, _ in hits][:EVIDENCE_ITEMS],
                    "solicitation_patterns": sorted({x for _, f in hits for x in f})[
                        :EVIDENCE_ITEMS
                    ],
                    "created_at": at.isoformat() if at else None,
                },
            )
        )
    leads.sort(key=lambda lead: (-lead.score, lead.account_id))
    return leads


def _squash(lift: float) -> float:
    return lift / (lift + PPR_HALF) if lift > 0 else 0.0


def _blocked_used(g: Any, i: int, blocked: set[str]) -> list[list[Any]]:
    row = g.matrix.getrow(i)
    used = [
        [g.tags[j], int(n)]
        for j, n in zip(row.indices.tolist(), row.data.tolist(), strict=True)
        if g.tags[j] in blocked
    ]
    return sorted(used, key=lambda tn: (-tn[1], tn[0]))


def _open_for(lead: Lead, now: datetime) -> str | None:
    """Open a review case on the account; None when one is open already (no second)."""
    category = Category.CSE
    case, opened = open_case(
        subject_type=SubjectType.ACCOUNT,
        subject_id=lead.account_id,
        account_id=lead.account_id,
        category=category,
        cse_reason=CseReason.SELLING,
        now=now,
    )
    if not opened:
        return None
    marks = {LEAD_SIGNAL}
    if lead.features.get(AccountFeature.NEW_ACCOUNT, 0.0) >= 0.5:
        marks.add(priority.NEW_ACCOUNT)
    # A lead is a pointer, not a report: its deadline is the tier's own, not brought forward.
    p = priority.prioritise(category=category, bank_kinds=set(), signals=set(), opened_at=now)
    case.tier, case.deadline_at, case.signals = p.tier, p.deadline_at, sorted(marks)
    case.save(update_fields=["tier", "deadline_at", "signals"])
    audit.record(
        actor=SYSTEM,
        action=CaseEvent.OPENED,
        subject_type="case",
        subject_id=case.public_id,
        data={"subject": f"account:{lead.account_id}", "from": "discovery"},
    )
    return str(case.public_id)


def find_accounts(*, now: datetime | None = None, max_cases: int | None = None) -> int:
    """Rank the accounts, keep the best as leads for the desk and open review cases for the
    top ones with a score of at least MIN_CASE_SCORE: at most `max_cases` (config
    `discovery_cases_per_run`) new cases per round, never on an account that has an open
    case, and on one whose earlier lead case was closed only once its evidence grew well
    beyond it (RECASE_GROWTH). Returns how many cases it opened."""
    now = now or timezone.now()
    limit = settings.SHIELDWALL.discovery_cases_per_run if max_cases is None else max_cases
    ranked = rank_accounts(now=now)[:KEPT]
    opened: list[tuple[str, str]] = []
    with transaction.atomic():
        existing = {
            lead.account_id: lead
            for lead in AccountLead.objects.select_for_update().filter(
                account_id__in=[lead.account_id for lead in ranked]
            )
        }
        fresh: list[AccountLead] = []
        changed: list[AccountLead] = []
        for lead in ranked:
            row = existing.get(lead.account_id)
            if row is None:
                row = AccountLead(account_id=lead.account_id, score=0.0, scored_at=now)
                fresh.append(row)
            else:
                changed.append(row)
            row.score, row.features, row.evidence, row.scored_at = (
                lead.score,
                lead.features,
                lead.evidence,
                now,
            )
            again = not row.case_id or lead.support >= max(
                row.case_support * RECASE_GROWTH, row.case_support + RECASE_EXTRA
            )
            if len(opened) < limit and lead.score >= MIN_CASE_SCORE and again:
                case_id = _open_for(lead, now)
                if case_id is not None:
                    row.case_id, row.case_opened_at = case_id, now
                    row.case_support = lead.support
                    opened.append((lead.account_id, case_id))
        AccountLead.objects.bulk_create(fresh)
        AccountLead.objects.bulk_update(
            changed,
            [
                "score",
                "features",
                "evidence",
                "scored_at",
                "case_id",
                "case_opened_at",
                "case_support",
            ],
            batch_size=200,
        )
        if opened:
            audit.record(
                actor=SYSTEM,
                action=DiscoveryEvent.LEADS_OPENED,
                subject_type="account_leads",
                subject_id=opened[0][1],
                data={"cases": [{"account": a, "case": c} for a, c in opened]},
            )
    log.info("discovery.leads", ranked=len(ranked), cases_opened=len(opened))
    return len(opened)
