"""Read-side queries of the moderator's desk: the queue page and everything a case page shows.

Writes go through `services`; these functions only read, and check that the actor may see
cases at all (auditors may not) and whether they may see who reported. They return values
(rows, ids, datetimes, counts, vocabulary members); `cases.desk` turns them into the words
and shapes the pages show. Subjects are read through `subjects.reads`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from shieldwall.banks.models import Bank
from shieldwall.banks.permissions import EXPORT_PROTECTED_BANKS
from shieldwall.cases.decisions import DecisionSpec, desk_decisions
from shieldwall.cases.events import CaseEvent
from shieldwall.cases.models import (
    OPEN_STATES,
    Case,
    CaseComment,
    CaseState,
    MediaView,
    Tier,
)
from shieldwall.cases.permissions import (
    ACKNOWLEDGE_CASES,
    ACT_ON_CASES,
    ACT_ON_ESCALATED,
    ASSIGN_CASES,
    BULK_ACT,
    COMMENT_CASES,
    VIEW_CASES,
    VIEW_MEDIA,
)
from shieldwall.cases.post_cards import (
    MediaItem,
    PostCard,
    ReachPoint,
    media_items,
    post_cards,
    post_media_ids,
    reach_points,
)
from shieldwall.cases.services import case_posts, get_case
from shieldwall.core.actors import Actor, require
from shieldwall.core.models import AuditEvent
from shieldwall.integrations.queries import ActionState, action_states
from shieldwall.matching.models import ScanSignal, ScanSignalKind
from shieldwall.reports.categories import Category
from shieldwall.reports.models import Report
from shieldwall.reports.permissions import VIEW_REPORTER
from shieldwall.subjects import reads
from shieldwall.subjects.kinds import SubjectType
from shieldwall.subjects.reads import AccountFacts, PostFacts
from shieldwall.terms.desk_reads import RuleRow, rules_by_id
from shieldwall.terms.permissions import VIEW_RULES
from shieldwall.terms.services import current_matcher

PAGE_SIZE = 50
MAX_REPORTS_SHOWN = 100
MAX_POSTS_SHOWN = 50  # posts reported with a case shown in full; the rest are listed
SETTLING = timedelta(minutes=10)  # the desk refreshes unsettled actions this long
MAX_SCAN_EVIDENCE = 200
MAX_OTHER_CASES = 10


# --- the queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What the moderator narrowed the queue to; empty strings mean "any"."""

    category: str = ""
    state: str = ""
    tier: str = ""
    assignee: str = ""  # "", "me", "none" or a username

    @classmethod
    def from_query(cls, params: Any) -> QueueFilters:
        """Filters from a GET query dict, dropping values that are not in the vocabularies."""
        category = params.get("category", "")
        state = params.get("state", "")
        tier = params.get("tier", "")
        assignee = params.get("assignee", "")[:150]
        return cls(
            category=category if category in Category.values else "",
            state=state if state in OPEN_STATES else "",
            tier=tier if tier in {str(t) for t in Tier.values} else "",
            assignee=assignee,
        )

    @property
    def active(self) -> bool:
        return bool(self.category or self.state or self.tier or self.assignee)

    def as_query(self) -> dict[str, str]:
        """The non-empty filters, for forms that keep them."""
        return {k: v for k, v in vars(self).items() if v}

    @property
    def query_string(self) -> str:
        return urlencode(self.as_query())


@dataclass(frozen=True)
class QueueEntry:
    """One case as the queue lists it, with its account's handle ("" when unknown)."""

    case: Case
    handle: str


@dataclass(frozen=True)
class QueueData:
    """A page of the queue in priority order, and the cursor of the next page."""

    rows: list[QueueEntry]
    next_cursor: str
    filters: QueueFilters
    can_bulk: bool


def _encode_cursor(case: Case) -> str:
    raw = f"{case.tier}|{case.deadline_at.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tier, deadline, pk = raw.split("|")
        return int(tier), datetime.fromisoformat(deadline), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _queue_queryset(filters: QueueFilters, user: Any, state: str) -> QuerySet[Case]:
    qs = Case.objects.filter(state=state)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.tier:
        qs = qs.filter(tier=int(filters.tier))
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee__username=filters.assignee)
    return qs


_ROW_FIELDS = (
    "public_id",
    "subject_type",
    "subject_id",
    "account_id",
    "category",
    "cse_reason",
    "tier",
    "signals",
    "state",
    "deadline_at",
    "report_count",
    "reporter_count",
    "verified_match",
    "limited",
    "assignee__username",
)


def queue_page(
    *, actor: Actor, user: Any, filters: QueueFilters, cursor: str = "", limit: int = PAGE_SIZE
) -> QueueData:
    """Open cases by tier then deadline (index `case_queue_order`), one keyset page at a time.

    One ordered walk of the index per open state, merged here: `state IN (...)` ordered by
    tier and deadline would sort every open case to return fifty.
    """
    require(actor, VIEW_CASES)
    after = _decode_cursor(cursor) if cursor else None
    states = [filters.state] if filters.state else [str(s) for s in OPEN_STATES]
    found: list[Case] = []
    for state in states:
        qs = _queue_queryset(filters, user, state)
        if after is not None:
            tier, deadline, pk = after
            qs = qs.filter(tier__gte=tier).filter(
                Q(tier__gt=tier) | Q(deadline_at__gt=deadline) | Q(deadline_at=deadline, pk__gt=pk)
            )
        found += (
            qs.select_related("assignee")
            .only(*_ROW_FIELDS)
            .order_by("tier", "deadline_at", "pk")[: limit + 1]
        )
    found.sort(key=lambda c: (c.tier, c.deadline_at, c.pk))
    more = len(found) > limit
    cases = found[:limit]
    handles = reads.handles_of(c.account_id for c in cases)
    return QueueData(
        rows=[QueueEntry(c, handles.get(c.account_id, "")) for c in cases],
        next_cursor=_encode_cursor(cases[-1]) if more else "",
        filters=filters,
        can_bulk=actor.can(BULK_ACT),
    )


def staff_usernames() -> list[str]:
    """Active staff who can be given cases, for the assignee pickers."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return sorted(users.values_list("username", flat=True))


def next_case_id(*, actor: Actor, user: Any, after: str) -> str:
    """The case to work after this one: the first in queue order not taken by someone else."""
    require(actor, VIEW_CASES)
    qs = Case.objects.filter(state__in=OPEN_STATES).exclude(public_id=after)
    if not actor.can(ACT_ON_ESCALATED):
        qs = qs.exclude(state=CaseState.ESCALATED)
    qs = qs.filter(Q(assignee__isnull=True) | Q(assignee=user))
    found = qs.order_by("tier", "deadline_at", "pk").values_list("public_id", flat=True).first()
    return found or ""


# --- one case ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Permissions:
    """What the viewer may do on this case (the services check again)."""

    acknowledge: bool
    decide: bool
    assign: bool
    comment: bool
    view_media: bool
    see_reporters: bool
    # The hashes of blocked uploads are a protected bank's own values: only for those who may
    # read the bank's hashes (compliance, admins).
    see_hashes: bool = False
    see_rules: bool = False  # the rules page opens for them (a link to each rule)


@dataclass(frozen=True)
class AccountData:
    """The case's account: what the platform told us of it (None: nothing yet) and our other
    cases about it, newest first."""

    account_id: str
    facts: AccountFacts | None
    other_cases: tuple[Case, ...]


@dataclass(frozen=True)
class ScanEvidence:
    """An upload behind the case as the scan saw it: blocked, or allowed but near a bank."""

    signal: ScanSignal
    kind: str  # a ScanSignalKind value
    matches: tuple[dict[str, Any], ...]  # each with the bank's threshold added

    @property
    def near(self) -> bool:
        return self.kind == ScanSignalKind.NEAR_MATCH


@dataclass
class CaseData:
    """Everything the case page is made of, as read."""

    case: Case
    reports: list[Report]
    more_reports: int
    subject: PostFacts | AccountFacts | None
    reach: tuple[ReachPoint, ...] | None  # None: the subject is not a post
    account: AccountData | None
    media: list[MediaItem]
    comments: list[CaseComment]
    audit: list[AuditEvent]
    actions: list[ActionState]
    decisions: list[DecisionSpec]
    can: Permissions
    must_view: bool
    staff: list[str] = field(default_factory=list)
    next_case: str = ""
    posts: list[PostCard] = field(default_factory=list)  # reported with the case
    posts_not_shown: list[str] = field(default_factory=list)
    viewer_id: int | None = None
    scan_evidence: list[ScanEvidence] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)  # the post's own, as the platform spells
    # Which of the case's hashtags (its subject, or the post's) a rule suppresses now, by id.
    caught: dict[str, int] = field(default_factory=dict)
    rules: list[RuleRow] = field(default_factory=list)  # the term rules its decision named


def scan_evidence(case: Case) -> list[ScanEvidence]:
    """The blocked and near-matching uploads filed into the case, oldest first."""
    signals = list(
        ScanSignal.objects.filter(case_id=case.public_id).order_by("created_at", "id")[
            :MAX_SCAN_EVIDENCE
        ]
    )
    names = {str(m.get("bank", "")) for s in signals for m in s.matches}
    thresholds = dict(Bank.objects.filter(name__in=names).values_list("name", "pdq_threshold"))
    return [
        ScanEvidence(
            signal=s,
            kind=s.kind,
            matches=tuple({**m, "threshold": thresholds.get(m.get("bank"))} for m in s.matches),
        )
        for s in signals
    ]


def _reach(case: Case) -> tuple[ReachPoint, ...] | None:
    if case.subject_type != SubjectType.POST:
        return None
    return reach_points([case.subject_id]).get(case.subject_id, ())


def _account(case: Case) -> AccountData | None:
    if not case.account_id:
        return None
    others = tuple(
        Case.objects.filter(account_id=case.account_id)
        .exclude(pk=case.pk)
        .only("public_id", "category", "state", "decision", "opened_at", "tier")
        .order_by("-opened_at")[:MAX_OTHER_CASES]
    )
    return AccountData(case.account_id, reads.account_facts(case.account_id), others)


def _subject(case: Case) -> PostFacts | AccountFacts | None:
    if case.subject_type == SubjectType.POST:
        return reads.post_facts(case.subject_id)
    if case.subject_type == SubjectType.ACCOUNT:
        return reads.account_facts(case.subject_id)
    return None


def _decisions(case: Case, has_media: bool, has_hashtags: bool) -> list[DecisionSpec]:
    """The decisions the registry offers on this case, in button order."""
    return desk_decisions(case.subject_type, has_media=has_media, has_hashtags=has_hashtags)


def _actions(case: Case, subject_ids: list[str]) -> list[ActionState]:
    """What was sent to the platform about the case's subjects, and how it stands there."""
    subjects = {case.subject_id, *subject_ids}
    if case.account_id:
        subjects.add(case.account_id)
    return action_states(subject_ids=subjects, since=case.opened_at)


def viewed_media(*, case: Case, actor: Actor) -> bool:
    """True once this actor revealed any media item of the case."""
    return MediaView.objects.filter(case=case, viewer=actor.label).exists()


def case_permissions(actor: Actor, case: Case) -> Permissions:
    """What this actor may do on this case, for showing only the controls that will work."""
    escalated_ok = case.state != CaseState.ESCALATED or actor.can(ACT_ON_ESCALATED)
    return Permissions(
        acknowledge=actor.can(ACKNOWLEDGE_CASES),
        decide=actor.can(ACT_ON_CASES) and escalated_ok,
        assign=actor.can(ASSIGN_CASES),
        comment=actor.can(COMMENT_CASES),
        view_media=actor.can(VIEW_MEDIA),
        see_reporters=actor.can(VIEW_REPORTER),
        see_hashes=actor.can(EXPORT_PROTECTED_BANKS),
        see_rules=actor.can(VIEW_RULES),
    )


def caught_tags(tags: list[str]) -> dict[str, int]:
    """The tags the active rules suppress now, each on its own (as its tag page is checked;
    next to other tags a split or glued term may catch more), with the rule that does."""
    if not tags:
        return {}
    matcher = current_matcher()
    verdicts = (matcher.check_tag(t) for t in tags)
    return {v.tag: v.rule.id for v in verdicts if v.suppressed and v.rule is not None}


def decision_rules(audit: list[AuditEvent]) -> list[RuleRow]:
    """The term rules the case's decision made or found in place, as they stand now (a rule
    removed since shows as removed), from the rule ids its decision event recorded."""
    ids = [
        i
        for e in audit
        if e.action == CaseEvent.DECIDED and isinstance(e.data, dict)
        for i in e.data.get("rules", ())
        if isinstance(i, int)
    ]
    return rules_by_id(ids) if ids else []


def case_detail(*, actor: Actor, user: Any, public_id: str) -> CaseData:
    """The case page: reports, reach, account, media, matches, comments and the audit trail."""
    require(actor, VIEW_CASES)
    case = get_case(public_id)
    if case.assignee_id:
        case = Case.objects.select_related("assignee").get(pk=case.pk)
    can = case_permissions(actor, case)
    reports = list(
        Report.objects.filter(case_link__case=case).order_by("created_at")[:MAX_REPORTS_SHOWN]
    )
    case_media = list(case.media.order_by("pk").values_list("media_id", "media_type"))
    media = media_items([m for m, _ in case_media], known_types=dict(case_media))
    has_media = bool(media)
    hashtags = (
        reads.post_hashtags([case.subject_id]).get(case.subject_id, [])
        if case.subject_type == SubjectType.POST
        else []
    )
    audit = case_audit(case)
    others = [p for p in case_posts(case) if p != case.subject_id]
    shown = post_cards(others[:MAX_POSTS_SHOWN], case_media={m.media_id for m in media})
    subjects = [
        *(m.media_id for m in media),
        *others,
        *(m.media_id for p in shown for m in p.media),
    ]
    return CaseData(
        case=case,
        reports=reports,
        more_reports=max(0, case.report_count - len(reports)),
        subject=_subject(case),
        reach=_reach(case),
        account=_account(case),
        media=media,
        comments=list(case.comments.order_by("created_at")),
        audit=audit,
        actions=_actions(case, [*subjects, *hashtags]),
        decisions=_decisions(case, has_media, bool(hashtags)),
        can=can,
        must_view=has_media
        and not case.verified_match
        and not viewed_media(case=case, actor=actor),
        staff=staff_usernames() if can.assign else [],
        next_case="" if case.is_open else next_case_id(actor=actor, user=user, after=public_id),
        posts=shown,
        posts_not_shown=others[MAX_POSTS_SHOWN:],
        viewer_id=getattr(user, "pk", None),
        scan_evidence=scan_evidence(case),
        hashtags=hashtags,
        caught=caught_tags(
            [case.subject_id] if case.subject_type == SubjectType.HASHTAG else hashtags
        ),
        rules=decision_rules(audit),
    )


@dataclass(frozen=True)
class CaseActions:
    """The actions part of a case page, refreshed on its own while actions settle."""

    case: Case
    actions: list[ActionState]

    @property
    def actions_settling(self) -> bool:
        return actions_settling(self.actions)


def case_actions(*, actor: Actor, public_id: str) -> CaseActions:
    """What was sent to the platform about a case, and how each action stands there."""
    require(actor, VIEW_CASES)
    case = get_case(public_id)
    others = [p for p in case_posts(case) if p != case.subject_id]
    media = list(case.media.values_list("media_id", flat=True))
    posted = [m for ids in post_media_ids(others).values() for m in ids]
    tags = (
        reads.post_hashtags([case.subject_id]).get(case.subject_id, [])
        if case.subject_type == SubjectType.POST
        else []
    )
    return CaseActions(case, _actions(case, [*media, *others, *posted, *tags]))


def actions_settling(actions: list[ActionState]) -> bool:
    """Whether any recent action still waits for its delivery or the platform's ack."""
    now = timezone.now()
    return any(not a.settled and now - a.created_at < SETTLING for a in actions)


def case_audit(case: Case) -> list[AuditEvent]:
    """The audit trail of the case, oldest first."""
    return list(AuditEvent.objects.filter(subject_type="case", subject_id=case.public_id))
