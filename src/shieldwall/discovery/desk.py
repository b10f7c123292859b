"""How the desk words discovery's findings: a suggested tag's reasons and evidence, an
account lead's evidence.

`discovery.services` returns rows with their features (each 0..1) and evidence (counts,
ids); the functions here turn them into sentences a lead can judge, and say which features
carry the score (each feature's share of what the ranking's weights make of it). Nothing
here decides anything; the views only call these after the service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from shieldwall.cases.desk import age
from shieldwall.cases.post_cards import MediaItem, PostCard
from shieldwall.discovery import leads, reveals, scoring
from shieldwall.discovery.kinds import AccountFeature, SuggestionState, TagFeature
from shieldwall.discovery.models import AccountLead, TagSuggestion

EXAMPLE_POSTS = reveals.EXAMPLE_POSTS  # example posts shown behind blur per suggestion
SHOWN_TAGS = 8  # co-occurring blocked tags named in a reason (all are in the evidence table)
SHOWN_ACCOUNTS = 20
CARRIES = 0.25  # a feature with at least this share of the score "carries" it

STATE_LABELS = {s.value: s.label for s in SuggestionState}
STATE_FILTERS = (
    (SuggestionState.OPEN.value, "Open"),
    (SuggestionState.APPROVED.value, "Approved"),
    (SuggestionState.REJECTED.value, "Rejected"),
)
MATCH_CHOICES = (
    ("exact", "Exact: this tag in any spelling"),
    ("contains", "Contains: also inside longer tags and words"),
)


@dataclass(frozen=True)
class Reason:
    """One feature of a score in words, with its share of the score."""

    feature: str
    text: str
    value: float  # the feature, 0..1
    share: int  # percent of the score's positive contributions, 0..100
    carries: bool  # one of the features that carry the score

    @property
    def bar(self) -> int:
        """The feature's value as a percentage, for the small bar beside it."""
        return round(max(0.0, min(1.0, self.value)) * 100)


@dataclass(frozen=True)
class AccountRef:
    """An account named in the evidence: its platform id and handle (if known)."""

    account_id: str
    handle: str

    @property
    def label(self) -> str:
        return f"@{self.handle}" if self.handle else self.account_id


@dataclass(frozen=True)
class SuggestionView:
    """One suggested tag as the queue shows it."""

    id: int
    tag: str
    state: str
    state_label: str
    score: str  # "0.87"
    reasons: tuple[Reason, ...]
    blocked_tags: tuple[tuple[str, int], ...]  # co-occurring blocked tags, most posts first
    posts: tuple[PostCard, ...]  # example posts, behind blur
    more_posts: int  # example post ids not shown
    accounts: tuple[AccountRef, ...]
    more_accounts: int
    counts: str  # "120 posts by 14 accounts"
    reviewed: str  # "Approved by lead-1 on 2026-12-01 15:20 UTC: reason" or ""
    rule_id: int | None

    @property
    def is_open(self) -> bool:
        return self.state == SuggestionState.OPEN

    @property
    def dom_id(self) -> str:
        return f"suggestion-{self.id}"

    def find_media(self, media_id: str) -> MediaItem | None:
        """A media item of one of its example posts."""
        for post in self.posts:
            for item in post.media:
                if item.media_id == media_id:
                    return item
        return None


@dataclass(frozen=True)
class LeadView:
    """One account found, with its evidence in words."""

    account: AccountRef
    score: str
    reasons: tuple[Reason, ...]
    blocked_tags: tuple[tuple[str, int], ...]
    age: str  # "12 days", "unknown"
    removed_posts: tuple[str, ...]
    blocked_uploads: int
    solicitation_posts: tuple[str, ...]
    case_id: str
    case_opened_at: datetime | None


def percent(fraction: float) -> str:
    """A share as the desk writes it: "62 %" (never above 100 or below 0)."""
    return f"{round(max(0.0, min(1.0, fraction)) * 100)} %"


def _number(value: Any, default: float = 0.0) -> float:
    """A number from stored JSON; anything else counts as `default`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return float(value)


def _count(value: Any) -> int:
    return max(0, int(_number(value)))


def _tag_counts(value: Any) -> tuple[tuple[str, int], ...]:
    """[[tag, n], ...] from stored evidence, most first; malformed entries left out."""
    pairs: list[tuple[str, int]] = []
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, (list, tuple)) and len(entry) == 2 and isinstance(entry[0], str):
            pairs.append((entry[0], _count(entry[1])))
    return tuple(sorted(pairs, key=lambda p: (-p[1], p[0])))


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _tag_list(pairs: Sequence[tuple[str, int]]) -> str:
    shown = ", ".join(f"#{t} ({n})" for t, n in pairs[:SHOWN_TAGS])
    more = len(pairs) - SHOWN_TAGS
    return shown + (f" and {more} more" if more > 0 else "")


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def reasons(
    texts: Mapping[str, str],
    features: Mapping[str, Any],
    weights: Mapping[str, float],
    weighed: Mapping[str, float] | None = None,
) -> tuple[Reason, ...]:
    """The features that have a value, each worded, most of the score first.

    A feature's share is its weight times what the ranking takes of it (`weighed`: the
    tag ranking counts burst only with closeness; the value itself otherwise) over the sum
    of the positive ones, so "carries" names what the ranking leans on, not what is large.
    """
    values = {f: _number(features.get(f)) for f in texts}
    taken = {f: _number((weighed or values).get(f)) for f in texts}
    parts = {f: max(0.0, _number(weights.get(f), 1.0) * v) for f, v in taken.items()}
    total = sum(parts.values())
    found = [
        Reason(
            feature=f,
            text=texts[f],
            value=values[f],
            share=round(100 * parts[f] / total) if total else 0,
            carries=bool(total) and parts[f] / total >= CARRIES,
        )
        for f in texts
        if values[f] > 0
    ]
    return tuple(sorted(found, key=lambda r: (-r.share, -r.value, r.feature)))


def burst_words(value: float) -> str:
    """ "Burst x7 in the last 6 hours": the recent rate over the tag's own baseline, read
    back from the feature (the ranking squashes the ratio r into r / (r + BURST_HALF))."""
    hours = scoring.RECENT_HOURS
    window = "the last hour" if hours == 1 else f"the last {hours} hours"
    if value >= 1:
        return f"Burst: far above its own usual rate in {window}"
    ratio = scoring.BURST_HALF * value / (1 - value)
    return f"Burst x{ratio:.0f} in {window} against its own usual rate"


def tag_reason_texts(s: TagSuggestion) -> dict[str, str]:
    """Each tag feature in words, from the suggestion's evidence."""
    ev = s.evidence if isinstance(s.evidence, dict) else {}
    feats = s.features if isinstance(s.features, dict) else {}
    posts = _count(ev.get("posts"))
    blocked_posts = _count(ev.get("blocked_posts"))
    removed = _count(ev.get("removed_posts"))
    tags = _tag_counts(ev.get("blocked_tags"))
    co_share = blocked_posts / posts if posts else _number(feats.get(TagFeature.COOCCURRENCE))
    co = f"{percent(co_share)} of its posts also carry a blocked tag"
    texts = {
        TagFeature.COOCCURRENCE.value: f"{co}: {_tag_list(tags)}" if tags else co,
        TagFeature.REMOVED.value: (
            f"{removed} of its {_plural(posts, 'post')} were removed by moderators"
            if posts
            else f"Posts removed ({percent(_number(feats.get(TagFeature.REMOVED)))})"
        ),
        TagFeature.ACCOUNT_SHARE.value: (
            f"{percent(_number(feats.get(TagFeature.ACCOUNT_SHARE)))} of its uses come from"
            " accounts that used blocked tags"
        ),
        TagFeature.PAGERANK.value: (
            "PageRank closeness to the blocked tags (personalised from them):"
            f" {_number(feats.get(TagFeature.PAGERANK)):.2f}"
        ),
        TagFeature.BURST.value: burst_words(_number(feats.get(TagFeature.BURST))),
    }
    return texts


def _weighed(features: Mapping[str, Any]) -> dict[str, float]:
    clean = {f: _number(features.get(f)) for f in TagFeature.values}
    return {str(f): v for f, v in scoring.inputs(clean).items()}


def _reviewed(s: TagSuggestion) -> str:
    if s.state == SuggestionState.OPEN or s.reviewed_at is None:
        return ""
    when = s.reviewed_at.strftime("%Y-%m-%d %H:%M")
    who = s.reviewed_by.removeprefix("user:")
    return f"{STATE_LABELS.get(s.state, s.state)} by {who} on {when} UTC: {s.reason}"


def suggestion_view(
    s: TagSuggestion,
    *,
    weights: Mapping[str, float],
    cards: Mapping[str, PostCard],
    handles: Mapping[str, str],
) -> SuggestionView:
    """One suggestion in words, with its example posts (read by the view) and accounts."""
    ev = s.evidence if isinstance(s.evidence, dict) else {}
    feats = s.features if isinstance(s.features, dict) else {}
    post_ids = _strings(ev.get("post_ids"))
    shown = [cards[p] for p in post_ids[:EXAMPLE_POSTS] if p in cards]
    account_ids = _strings(ev.get("account_ids"))
    posts = _count(ev.get("posts"))
    accounts = _count(ev.get("accounts")) or len(account_ids)
    return SuggestionView(
        id=s.pk,
        tag=s.tag,
        state=s.state,
        state_label=STATE_LABELS.get(s.state, s.state),
        score=f"{s.score:.2f}",
        reasons=reasons(tag_reason_texts(s), feats, weights, _weighed(feats)),
        blocked_tags=_tag_counts(ev.get("blocked_tags")),
        posts=tuple(shown),
        more_posts=max(0, len(post_ids) - len(shown)),
        accounts=tuple(AccountRef(a, handles.get(a, "")) for a in account_ids[:SHOWN_ACCOUNTS]),
        more_accounts=max(0, accounts - min(len(account_ids), SHOWN_ACCOUNTS)),
        counts=f"{_plural(posts, 'post')} by {_plural(accounts, 'account')}",
        reviewed=_reviewed(s),
        rule_id=s.rule_id,
    )


def example_post_ids(rows: Iterable[TagSuggestion]) -> list[str]:
    """The example posts the queue shows for these suggestions (to read them at once)."""
    return list(dict.fromkeys(p for s in rows for p in reveals.example_post_ids(s)))


def evidence_account_ids(rows: Iterable[TagSuggestion]) -> list[str]:
    ids: list[str] = []
    for s in rows:
        ev = s.evidence if isinstance(s.evidence, dict) else {}
        ids += _strings(ev.get("account_ids"))[:SHOWN_ACCOUNTS]
    return list(dict.fromkeys(ids))


def _created(ev: Mapping[str, Any]) -> datetime | None:
    raw = ev.get("created_at")
    if not isinstance(raw, str):
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        return None


def lead_reason_texts(lead: AccountLead, now: datetime) -> dict[str, str]:
    """Each account feature in words, from the lead's evidence."""
    ev = lead.evidence if isinstance(lead.evidence, dict) else {}
    feats = lead.features if isinstance(lead.features, dict) else {}
    tags = _tag_counts(ev.get("blocked_tags"))
    removed = len(_strings(ev.get("removed_post_ids")))
    uploads = _count(ev.get("blocked_uploads"))
    hits = len(_strings(ev.get("solicitation_post_ids")))
    share = percent(_number(feats.get(AccountFeature.BLOCKED_TAG_SHARE)))
    created = _created(ev)
    return {
        AccountFeature.PAGERANK.value: (
            "PageRank closeness to the blocked tags:"
            f" {_number(feats.get(AccountFeature.PAGERANK)):.2f}"
        ),
        AccountFeature.BLOCKED_TAG_SHARE.value: (
            f"{share} of its tag uses are blocked tags: {_tag_list(tags)}"
            if tags
            else f"{share} of its tag uses are blocked tags"
        ),
        AccountFeature.REMOVED.value: _plural(removed, "post") + " removed by moderators",
        AccountFeature.NEW_ACCOUNT.value: (
            f"New account: made {age(created, now)} ago (its age scales the score)"
            if created
            else "New account (its age scales the score)"
        ),
        AccountFeature.BLOCKED_UPLOADS.value: _plural(uploads, "blocked upload attempt"),
        AccountFeature.SOLICITATION.value: (
            f"{_plural(hits, 'post')} match the operator's solicitation patterns"
        ),
    }


def lead_weights() -> dict[str, float]:
    """What each account feature weighs in the lead score; age only scales it, so it carries
    no share of its own."""
    return {**{str(f): w for f, w in leads.WEIGHTS.items()}, AccountFeature.NEW_ACCOUNT.value: 0.0}


def lead_view(lead: AccountLead, *, handles: Mapping[str, str], now: datetime) -> LeadView:
    """One account lead in words."""
    ev = lead.evidence if isinstance(lead.evidence, dict) else {}
    feats = lead.features if isinstance(lead.features, dict) else {}
    created = _created(ev)
    return LeadView(
        account=AccountRef(lead.account_id, handles.get(lead.account_id, "")),
        score=f"{lead.score:.2f}",
        reasons=reasons(lead_reason_texts(lead, now), feats, lead_weights()),
        blocked_tags=_tag_counts(ev.get("blocked_tags")),
        age=age(created, now) if created else "unknown",
        removed_posts=tuple(_strings(ev.get("removed_post_ids"))),
        blocked_uploads=_count(ev.get("blocked_uploads")),
        solicitation_posts=tuple(_strings(ev.get("solicitation_post_ids"))),
        case_id=lead.case_id,
        case_opened_at=lead.case_opened_at,
    )
