"""Read-side queries of the moderator's desk: the queue page and everything a case page shows.

Writes go through `services`; these functions only read, and check that the actor may see
cases at all (auditors may not) and whether they may see who reported.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from shieldwall.banks.models import Bank
from shieldwall.banks.permissions import EXPORT_PROTECTED_BANKS
from shieldwall.cases.models import (
    OPEN_STATES,
    Case,
    CaseComment,
    CaseState,
    MediaView,
    Tier,
)
from shieldwall.cases.models import DecisionKind as Decision
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
    Reach,
    media_items,
    post_cards,
    post_media_ids,
    reach_of,
)
from shieldwall.cases.scan_signals import NEAR_MATCH, REPEATED_BLOCKS
from shieldwall.cases.services import DECISIONS_FOR, case_origin, case_posts, get_case
from shieldwall.core.actors import Actor, require
from shieldwall.core.models import AuditEvent
from shieldwall.integrations.queries import ActionState, action_states
from shieldwall.matching.models import ScanSignal, ScanSignalKind
from shieldwall.reports.categories import Category, CseReason
from shieldwall.reports.flow import Flow, build_flow
from shieldwall.reports.models import Report
from shieldwall.reports.permissions import VIEW_REPORTER
from shieldwall.subjects.models import Account, Post

PAGE_SIZE = 50
DUE_SOON = timedelta(minutes=15)
MAX_REPORTS_SHOWN = 100
MAX_POSTS_SHOWN = 50  # posts reported with a case shown in full; the rest are listed
SETTLING = timedelta(minutes=10)  # the desk refreshes unsettled actions this long
MAX_SCAN_EVIDENCE = 200

SIGNAL_LABELS = {
    "verified_bank_match": "Verified bank match",
    "bank_match": "Bank match",
    "reported_by_person_depicted": "Reported by the person shown",
    "trusted_flagger": "Trusted flagger",
    "fast_growing_reach": "Fast-growing reach",
    "new_account": "New account",
    "many_reporters": "Many reporters",
    REPEATED_BLOCKS: "Repeated blocked uploads",
    NEAR_MATCH: "Near match to a bank",
}
# The decisions in the order the desk shows them, with their keyboard shortcut.
DECISION_KEYS = {
    Decision.REMOVED_POST: "r",
    Decision.REMOVED_MEDIA: "m",
    Decision.SUSPENDED_ACCOUNT: "s",
    Decision.SUPPRESSED_HASHTAG: "h",
    Decision.NO_VIOLATION: "n",
}
DECISION_VERBS = {
    Decision.REMOVED_POST: "Remove post",
    Decision.REMOVED_MEDIA: "Remove media",
    Decision.SUSPENDED_ACCOUNT: "Suspend account",
    Decision.SUPPRESSED_HASHTAG: "Suppress hashtag",
    Decision.NO_VIOLATION: "No violation",
}
DECISION_EFFECTS = {
    Decision.REMOVED_POST: "The post is removed on the platform; its media's hashes go into "
    "the platform-removed bank, so it can never be posted again.",
    Decision.REMOVED_MEDIA: "The media is removed from the platform; its hashes go into the "
    "platform-removed bank, so it can never be posted again.",
    Decision.SUSPENDED_ACCOUNT: "The account is suspended on the platform.",
    Decision.SUPPRESSED_HASHTAG: "The hashtag returns nothing on every search tab.",
    Decision.NO_VIOLATION: "The case closes with no action; reporters are told nothing was found.",
}


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
class Shortcut:
    """A key (or keys) the page answers, listed in its shortcuts dialog."""

    keys: tuple[str, ...]
    action: str

    @property
    def id(self) -> str:
        """What the browser test and the dialog's rows name it by."""
        return "".join(self.keys) if len(self.keys) == 1 else "/".join(self.keys)


@dataclass(frozen=True)
class QueueRow:
    """One case as the queue lists it."""

    case: Case
    handle: str
    category_label: str
    reason_label: str
    signal_labels: tuple[str, ...]
    due: Due


@dataclass(frozen=True)
class Due:
    """A deadline in words: "in 12 min", "8 min overdue", and how urgent it is."""

    at: datetime
    text: str
    status: str  # "overdue", "soon" or "ok"


@dataclass(frozen=True)
class QueuePage:
    """A page of the queue in priority order, and the cursor of the next page."""

    rows: list[QueueRow]
    next_cursor: str
    filters: QueueFilters
    can_bulk: bool

    @property
    def bulk_decisions(self) -> list[tuple[str, str]]:
        return [(d.value, verb) for d, verb in DECISION_VERBS.items()]

    @property
    def shortcuts(self) -> list[Shortcut]:
        """The queue's keys for this viewer (x only where bulk selection exists)."""
        keys = [
            Shortcut(("j", "k"), "Next / previous case in the queue"),
            Shortcut(("Enter",), "Open the highlighted case"),
        ]
        if self.can_bulk:
            keys.append(Shortcut(("x",), "Select the highlighted case (bulk actions)"))
        keys.append(Shortcut(("/",), "Go to the filters"))
        return keys


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
) -> QueuePage:
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
    handles = dict(
        Account.objects.filter(account_id__in={c.account_id for c in cases if c.account_id})
        .exclude(handle="")
        .values_list("account_id", "handle")
    )
    now = timezone.now()
    rows = [
        QueueRow(
            case=c,
            handle=handles.get(c.account_id, ""),
            category_label=_label(Category, c.category),
            reason_label=_label(CseReason, c.cse_reason) if c.cse_reason else "",
            signal_labels=tuple(SIGNAL_LABELS.get(s, s) for s in c.signals),
            due=due(c.deadline_at, now),
        )
        for c in cases
    ]
    return QueuePage(
        rows=rows,
        next_cursor=_encode_cursor(cases[-1]) if more else "",
        filters=filters,
        can_bulk=actor.can(BULK_ACT),
    )


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def due(deadline: datetime, now: datetime) -> Due:
    """The deadline relative to now, in words a moderator reads at a glance."""
    seconds = (deadline - now).total_seconds()
    words = _duration(abs(seconds))
    if seconds < 0:
        return Due(deadline, f"{words} overdue", "overdue")
    return Due(deadline, f"in {words}", "soon" if seconds <= DUE_SOON.total_seconds() else "ok")


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest and hours < 10 else f"{hours} h"
    return f"{hours // 24} d"


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
class PathStep:
    """One answered question of the report flow, in words."""

    question: str
    answer: str


@dataclass(frozen=True)
class ReportView:
    """A report as the desk shows it; the reporter only to roles allowed to see them."""

    report: Report
    category_label: str
    reason_label: str
    path: tuple[PathStep, ...]
    reporter: str  # "" when hidden


@dataclass
class ReportGroup:
    """Reports that took the same path, shown once with a count (report floods are real)."""

    category_label: str
    reason_label: str
    path: tuple[PathStep, ...]
    source: str
    first_at: datetime
    last_at: datetime
    reports: list[ReportView] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.reports)

    @property
    def details(self) -> list[ReportView]:
        """The reports that add something: context, more posts, or a visible reporter."""
        return [
            r
            for r in self.reports
            if r.report.context or r.report.additional_post_ids or r.reporter
        ]


@dataclass(frozen=True)
class SubjectView:
    """What was reported, as the platform described it (text only; media stays blurred)."""

    text: str
    created_at: datetime | None
    deleted: bool
    bio: str = ""


@dataclass(frozen=True)
class OtherCase:
    """Another case about the same account."""

    case: Case
    category_label: str


@dataclass(frozen=True)
class AccountView:
    """The reported account: age, size and history with us."""

    account_id: str
    handle: str
    display_name: str
    created_at: datetime | None
    age: str
    posts: int
    other_cases: tuple[OtherCase, ...]


@dataclass(frozen=True)
class DecisionButton:
    """A decision the case allows, with its shortcut and what it will do."""

    value: str
    verb: str
    key: str
    effect: str
    destructive: bool


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


@dataclass(frozen=True)
class Outcome:
    """What the platform did with a decision: applied, refused, or not said yet (waiting)."""

    status: str
    text: str


@dataclass
class CaseDetail:
    """Everything the case page shows."""

    case: Case
    report_groups: list[ReportGroup]
    more_reports: int
    subject: SubjectView | None
    reach: Reach | None
    account: AccountView | None
    media: list[MediaItem]
    comments: list[CaseComment]
    audit: list[AuditEvent]
    actions: list[ActionState]
    decisions: list[DecisionButton]
    can: Permissions
    must_view: bool
    staff: list[str] = field(default_factory=list)
    next_case: str = ""
    posts: list[PostCard] = field(default_factory=list)  # reported with the case
    posts_not_shown: list[str] = field(default_factory=list)
    viewer_id: int | None = None
    scan_evidence: list[ScanEvidence] = field(default_factory=list)

    @property
    def actions_settling(self) -> bool:
        """Whether an action may still change (delivery or ack): the page keeps it fresh."""
        return actions_settling(self.actions)

    @property
    def outcome(self) -> Outcome | None:
        """How the platform took the decision's actions, for a closed case that sent some."""
        mine = [a for a in self.actions if a.origin == case_origin(self.case)]
        if self.case.is_open or not mine:
            return None
        refused = [a for a in mine if a.refused]
        if refused:
            first = refused[0]
            said = first.ack_detail or first.ack_status or "every delivery is dead"
            return Outcome("refused", f"not applied on the platform ({said})")
        if all(a.applied for a in mine):
            return Outcome("applied", "applied on the platform")
        return Outcome("waiting", "sent; the platform has not confirmed it yet")

    @property
    def also_count(self) -> int:
        return len(self.posts) + len(self.posts_not_shown)

    @property
    def choose_posts(self) -> bool:
        """Whether "Remove post" offers a choice of the posts reported with this one."""
        return bool(self.posts or self.posts_not_shown) and any(
            b.value == Decision.REMOVED_POST for b in self.decisions
        )

    @property
    def shortcuts(self) -> list[Shortcut]:
        """The keys that work on this case for this viewer, and only those."""
        keys: list[Shortcut] = []
        open_ = self.case.is_open
        if open_ and self.can.decide:
            after = " (after revealing the media)" if self.must_view else ""
            keys += [Shortcut((b.key,), b.verb + after) for b in self.decisions]
        if open_ and self.can.acknowledge and self.case.state != CaseState.ESCALATED:
            keys.append(Shortcut(("e",), "Escalate to a lead"))
        if open_ and self.can.assign and self.case.assignee_id != self.viewer_id:
            keys.append(Shortcut(("a",), "Assign to me"))
        if self.can.comment:
            keys.append(Shortcut(("c",), "Write a comment"))
        if self.can.view_media and self.media:
            keys.append(Shortcut(("v",), "Reveal the first media item"))
        return keys

    def find_media(self, media_id: str) -> MediaItem | None:
        """A media tile of the page, in the case's media or one of its posts."""
        for item in [*self.media, *(m for p in self.posts for m in p.media)]:
            if item.media_id == media_id:
                return item
        return None

    @property
    def signal_labels(self) -> list[str]:
        return [SIGNAL_LABELS.get(s, s) for s in self.case.signals]

    @property
    def verified_reporters(self) -> int:
        """Signed-in platform users (or trusted flaggers) among the reporters, at least."""
        return max((int(n) for n in self.case.verified_reporters.values()), default=0)

    @property
    def category_label(self) -> str:
        return _label(Category, self.case.category)

    @property
    def reason_label(self) -> str:
        return _label(CseReason, self.case.cse_reason) if self.case.cse_reason else ""

    @property
    def due(self) -> Due:
        return due(self.case.deadline_at, timezone.now())


@dataclass(frozen=True)
class ScanEvidence:
    """An upload behind the case as the scan saw it: blocked, or allowed but near a bank."""

    signal: ScanSignal
    label: str
    near: bool
    matches: tuple[dict[str, Any], ...]  # each with the bank's threshold added


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
            label=_label(ScanSignalKind, s.kind),
            near=s.kind == ScanSignalKind.NEAR_MATCH,
            matches=tuple({**m, "threshold": thresholds.get(m.get("bank"))} for m in s.matches),
        )
        for s in signals
    ]


@lru_cache(maxsize=16)
def _flow(subject: str, has_media: bool) -> Flow:
    return build_flow(subject, has_media)


def _path_in_words(report: Report) -> tuple[PathStep, ...]:
    try:
        flow = _flow(report.subject_type, report.has_media)
    except ValueError:
        return ()
    words = []
    for step_id, option_id in report.path:
        step = flow.steps.get(step_id)
        if step is None or step.kind in {"intro", "review", "done"}:
            continue
        option = step.option(option_id)
        words.append(PathStep(step.prompt, option.label if option else option_id))
    return tuple(words)


def _reporter(report: Report) -> str:
    if report.anonymous or not (
        report.reporter_id or report.reporter_name or report.reporter_email
    ):
        return "anonymous"
    parts = [report.reporter_name, report.reporter_email]
    if report.reporter_id:
        parts.append(f"platform id {report.reporter_id}")
    return " · ".join(p for p in parts if p)


def _reach(case: Case) -> Reach | None:
    return reach_of(case.subject_id) if case.subject_type == "post" else None


def _age(created: datetime | None, now: datetime) -> str:
    if created is None:
        return "unknown"
    days = (now - created).days
    if days < 1:
        return "less than a day"
    if days < 60:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 730:
        return f"{days // 30} months"
    return f"{days // 365} years"


def _account(case: Case, now: datetime) -> AccountView | None:
    if not case.account_id:
        return None
    acct = Account.objects.filter(account_id=case.account_id).first()
    others = tuple(
        OtherCase(o, _label(Category, o.category))
        for o in Case.objects.filter(account_id=case.account_id)
        .exclude(pk=case.pk)
        .only("public_id", "category", "state", "decision", "opened_at", "tier")
        .order_by("-opened_at")[:10]
    )
    if acct is None:
        return AccountView(case.account_id, "", "", None, "unknown", 0, others)
    return AccountView(
        account_id=acct.account_id,
        handle=acct.handle,
        display_name=acct.display_name,
        created_at=acct.platform_created_at,
        age=_age(acct.platform_created_at, now),
        posts=Post.objects.filter(account=acct).count(),
        other_cases=others,
    )


def _decisions(case: Case, has_media: bool) -> list[DecisionButton]:
    fits = set(DECISIONS_FOR.get(case.subject_type, set()))
    if not has_media:
        fits.discard(Decision.REMOVED_MEDIA)
    return [
        DecisionButton(
            value=d.value,
            verb=DECISION_VERBS[d],
            key=DECISION_KEYS[d],
            effect=DECISION_EFFECTS[d],
            destructive=d != Decision.NO_VIOLATION,
        )
        for d in DECISION_KEYS
        if d in fits
    ]


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
    )


def case_detail(*, actor: Actor, user: Any, public_id: str) -> CaseDetail:
    """The case page: reports, reach, account, media, matches, comments and the audit trail."""
    require(actor, VIEW_CASES)
    case = get_case(public_id)
    if case.assignee_id:
        case = Case.objects.select_related("assignee").get(pk=case.pk)
    now = timezone.now()
    can = case_permissions(actor, case)
    stored = list(
        Report.objects.filter(case_link__case=case).order_by("created_at")[:MAX_REPORTS_SHOWN]
    )
    reports = [
        ReportView(
            report=r,
            category_label=_label(Category, r.category),
            reason_label=_label(CseReason, r.cse_reason) if r.cse_reason else "",
            path=_path_in_words(r),
            reporter=_reporter(r) if can.see_reporters else "",
        )
        for r in stored
    ]
    case_media = list(case.media.order_by("pk").values_list("media_id", "media_type"))
    media = media_items([m for m, _ in case_media], known_types=dict(case_media))
    has_media = bool(media)
    others = [p for p in case_posts(case) if p != case.subject_id]
    shown = post_cards(others[:MAX_POSTS_SHOWN], case_media={m.media_id for m in media})
    subjects = [
        *(m.media_id for m in media),
        *others,
        *(m.media_id for p in shown for m in p.media),
    ]
    return CaseDetail(
        case=case,
        report_groups=_group(reports),
        more_reports=max(0, case.report_count - len(reports)),
        subject=_subject(case),
        reach=_reach(case),
        account=_account(case, now),
        media=media,
        comments=list(case.comments.order_by("created_at")),
        audit=case_audit(case),
        actions=_actions(case, subjects),
        decisions=_decisions(case, has_media),
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
    return CaseActions(case, _actions(case, [*media, *others, *posted]))


def actions_settling(actions: list[ActionState]) -> bool:
    """Whether any recent action still waits for its delivery or the platform's ack."""
    now = timezone.now()
    return any(not a.settled and now - a.created_at < SETTLING for a in actions)


def _group(reports: list[ReportView]) -> list[ReportGroup]:
    groups: dict[tuple[object, ...], ReportGroup] = {}
    for r in reports:
        key = (r.category_label, r.reason_label, r.path, r.report.source)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ReportGroup(
                r.category_label,
                r.reason_label,
                r.path,
                r.report.get_source_display(),
                r.report.created_at,
                r.report.created_at,
            )
        group.reports.append(r)
        group.last_at = r.report.created_at
    return list(groups.values())


def _subject(case: Case) -> SubjectView | None:
    if case.subject_type == "post":
        post = Post.objects.filter(post_id=case.subject_id).first()
        if post is None:
            return None
        return SubjectView(post.text, post.platform_created_at, post.is_deleted)
    if case.subject_type == "account":
        acct = Account.objects.filter(account_id=case.subject_id).first()
        if acct is None:
            return None
        return SubjectView("", acct.platform_created_at, False, bio=acct.bio)
    return None


def case_audit(case: Case) -> list[AuditEvent]:
    """The audit trail of the case, oldest first."""
    return list(AuditEvent.objects.filter(subject_type="case", subject_id=case.public_id))
