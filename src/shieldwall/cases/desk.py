"""How the moderator's desk words what `cases.queries` reads: labels, "3 h ago" words,
sparklines, shortcut lists, due and overdue, the platform's outcome, reports' paths.

Queries return values; the functions here turn them into what templates show, so wording
changes never touch a query and a query never builds a sentence. Nothing here reads the
database except the report flow trees (pure data, cached).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import models

from shieldwall.cases.decisions import DECISIONS, DecisionSpec, desk_order
from shieldwall.cases.models import Case, CaseComment, CaseState, DecisionKind, Tier
from shieldwall.cases.post_cards import MediaItem, PostCard, ReachPoint
from shieldwall.cases.queries import (
    AccountData,
    CaseData,
    Permissions,
    QueueData,
    QueueEntry,
    QueueFilters,
    ScanEvidence,
    actions_settling,
)
from shieldwall.cases.scan_signals import DISCOVERY_LEAD, NEAR_MATCH, REPEATED_BLOCKS
from shieldwall.cases.services import case_origin
from shieldwall.core.errors import ServiceError
from shieldwall.core.models import AuditEvent
from shieldwall.integrations.queries import ActionState
from shieldwall.matching.models import ScanSignal, ScanSignalKind
from shieldwall.reports.categories import Category, CseReason
from shieldwall.reports.flow import flow_of
from shieldwall.reports.models import Report
from shieldwall.subjects.kinds import SubjectType
from shieldwall.subjects.reads import AccountFacts, PostFacts
from shieldwall.terms.desk_reads import RuleRow
from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource

DUE_SOON = timedelta(minutes=15)
SPARK_WIDTH = 120
SPARK_HEIGHT = 32

VERIFIED_SIGNAL = "verified_bank_match"
SIGNAL_LABELS = {
    VERIFIED_SIGNAL: "Verified bank match",
    "bank_match": "Bank match",
    "reported_by_person_depicted": "Reported by the person shown",
    "trusted_flagger": "Trusted flagger",
    "fast_growing_reach": "Fast-growing reach",
    "new_account": "New account",
    "many_reporters": "Many reporters",
    REPEATED_BLOCKS: "Repeated blocked uploads",
    NEAR_MATCH: "Near match to a bank",
    DISCOVERY_LEAD: "Found by discovery (close to blocked tags)",
}
# The tier's short badge beside each case.
TIER_BADGES: dict[int, str] = {Tier.CSE: "CSE", Tier.NCII: "NCII", Tier.OTHER: "Other"}
# What the case page calls its subject's section.
SUBJECT_HEADINGS = {
    SubjectType.POST: "The post",
    SubjectType.ACCOUNT: "The account",
    SubjectType.HASHTAG: "The hashtag",
}
# Steps of the flow that ask nothing worth showing a moderator.
SILENT_STEP_KINDS = frozenset({"intro", "review", "done"})


# --- words for values -----------------------------------------------------------------------


def label(choices: type[models.Choices], value: Any) -> str:
    """A vocabulary member's label; an unknown stored value is shown as it is."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def reason_label(cse_reason: str) -> str:
    """The CSE sub-reason's label ("" when none was given)."""
    return label(CseReason, cse_reason) if cse_reason else ""


@dataclass(frozen=True)
class SignalTag:
    """A priority signal as a tag; a verified bank match stands out."""

    label: str
    verified: bool


def signal_tags(signals: list[str]) -> tuple[SignalTag, ...]:
    return tuple(SignalTag(SIGNAL_LABELS.get(s, s), s == VERIFIED_SIGNAL) for s in signals)


def decision_verb(decision: str) -> str:
    """What the button of a decision says; an unknown value as it came."""
    spec = DECISIONS.get(decision)
    return spec.verb if spec is not None else decision


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
class Due:
    """A deadline in words: "in 12 min", "8 min overdue", and how urgent it is."""

    at: datetime
    text: str
    status: str  # "overdue", "soon" or "ok"


def due(deadline: datetime, now: datetime) -> Due:
    """The deadline relative to now, in words a moderator reads at a glance."""
    seconds = (deadline - now).total_seconds()
    words = duration(abs(seconds))
    if seconds < 0:
        return Due(deadline, f"{words} overdue", "overdue")
    return Due(deadline, f"in {words}", "soon" if seconds <= DUE_SOON.total_seconds() else "ok")


def duration(seconds: float) -> str:
    """A span of time, coarser as it grows: "<1 min", "12 min", "3 h 5 min", "2 d"."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest and hours < 10 else f"{hours} h"
    return f"{hours // 24} d"


def age(created: datetime | None, now: datetime) -> str:
    """An account's age in words: "less than a day", "12 days", "5 months", "3 years"."""
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


def sparkline(values: list[int], width: int = SPARK_WIDTH, height: int = SPARK_HEIGHT) -> str:
    """The points of an SVG polyline for these values ("" for fewer than two)."""
    if len(values) < 2:
        return ""
    top = max(values) or 1
    step = width / (len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(values)
    )


# --- the queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    """One case as the queue lists it."""

    case: Case
    handle: str
    tier_badge: str
    category_label: str
    reason_label: str
    signals: tuple[SignalTag, ...]
    due: Due


@dataclass(frozen=True)
class QueuePage:
    """A page of the queue as shown, and the cursor of the next page."""

    rows: list[QueueRow]
    next_cursor: str
    filters: QueueFilters
    can_bulk: bool

    @property
    def bulk_decisions(self) -> list[tuple[str, str]]:
        return [(spec.key, spec.verb) for spec in desk_order()]

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


def tier_badge(tier: int) -> str:
    """The short badge of a tier (an unknown tier is shown as "Other", as the lowest)."""
    return TIER_BADGES.get(tier, TIER_BADGES[Tier.OTHER])


def element_id(prefix: str, platform_id: str) -> str:
    """A stable element id for a platform's id, whatever characters it holds."""
    return f"{prefix}-" + hashlib.sha256(platform_id.encode()).hexdigest()[:12]


def _queue_row(entry: QueueEntry, now: datetime) -> QueueRow:
    c = entry.case
    return QueueRow(
        case=c,
        handle=entry.handle,
        tier_badge=tier_badge(c.tier),
        category_label=label(Category, c.category),
        reason_label=reason_label(c.cse_reason),
        signals=signal_tags(c.signals),
        due=due(c.deadline_at, now),
    )


def queue_page(data: QueueData, now: datetime) -> QueuePage:
    """The queue as the page shows it."""
    return QueuePage(
        rows=[_queue_row(e, now) for e in data.rows],
        next_cursor=data.next_cursor,
        filters=data.filters,
        can_bulk=data.can_bulk,
    )


# --- reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathStep:
    """One answered question of the report flow, in words."""

    question: str
    answer: str


@dataclass(frozen=True)
class PathReading:
    """A report's path in words, or its raw ids with a note when its flow cannot read it."""

    steps: tuple[PathStep, ...]
    note: str = ""


def path_in_words(report: Report) -> PathReading:
    """The path read with the flow version the report was made under.

    The path must walk that tree from its start; if the version is unknown here, or the
    path does not walk it, the raw step and option ids are shown with a note, never an error.
    """
    try:
        flow = flow_of(report.flow_version, report.subject_type, report.has_media)
    except ServiceError:
        return _raw_path(report, f"made under flow version {report.flow_version!r}, unknown here")
    words = []
    expected: str | None = flow.start
    for step_id, option_id in report.path:
        step = flow.steps.get(step_id)
        option = step.option(option_id) if step is not None else None
        if step is None or option is None or step_id != expected:
            return _raw_path(
                report, f"does not follow flow version {report.flow_version!r} at {step_id!r}"
            )
        expected = option.next
        if step.kind not in SILENT_STEP_KINDS:
            words.append(PathStep(step.prompt, option.label))
    return PathReading(tuple(words))


def _raw_path(report: Report, why: str) -> PathReading:
    steps = tuple(PathStep(str(step_id), str(option_id)) for step_id, option_id in report.path)
    return PathReading(steps, f"Shown as stored: this report's path {why}.")


def reporter_words(report: Report) -> str:
    """Who reported, as far as they told us (only for roles that may see reporters)."""
    if report.anonymous or not (
        report.reporter_id or report.reporter_name or report.reporter_email
    ):
        return "anonymous"
    parts = [report.reporter_name, report.reporter_email]
    if report.reporter_id:
        parts.append(f"platform id {report.reporter_id}")
    return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class ReportView:
    """A report as the desk shows it; the reporter only to roles allowed to see them."""

    report: Report
    category_label: str
    reason_label: str
    path: PathReading
    reporter: str  # "" when hidden


@dataclass
class ReportGroup:
    """Reports that took the same path, shown once with a count (report floods are real)."""

    category_label: str
    reason_label: str
    path: tuple[PathStep, ...]
    path_note: str
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


def _report_view(report: Report, *, see_reporters: bool) -> ReportView:
    return ReportView(
        report=report,
        category_label=label(Category, report.category),
        reason_label=reason_label(report.cse_reason),
        path=path_in_words(report),
        reporter=reporter_words(report) if see_reporters else "",
    )


def report_groups(reports: list[Report], *, see_reporters: bool) -> list[ReportGroup]:
    """The reports grouped by what they said and where they came from, first seen first."""
    groups: dict[tuple[object, ...], ReportGroup] = {}
    for r in (_report_view(r, see_reporters=see_reporters) for r in reports):
        key = (r.report.category, r.report.cse_reason, r.path, r.report.source)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ReportGroup(
                r.category_label,
                r.reason_label,
                r.path.steps,
                r.path.note,
                r.report.get_source_display(),
                r.report.created_at,
                r.report.created_at,
            )
        group.reports.append(r)
        group.last_at = r.report.created_at
    return list(groups.values())


# --- the case's subject, account and posts --------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """Reach over time, with the polylines of two small sparklines."""

    points: tuple[ReachPoint, ...]
    views_line: str
    reshares_line: str

    @property
    def latest(self) -> ReachPoint | None:
        return self.points[-1] if self.points else None


def reach(points: tuple[ReachPoint, ...]) -> Reach:
    return Reach(
        points,
        sparkline([p.views for p in points]),
        sparkline([p.reshares for p in points]),
    )


@dataclass(frozen=True)
class SubjectView:
    """What was reported, as the platform described it (text only; media stays blurred)."""

    text: str
    created_at: datetime | None
    deleted: bool
    bio: str = ""


def subject_view(facts: PostFacts | AccountFacts | None) -> SubjectView | None:
    if isinstance(facts, PostFacts):
        return SubjectView(facts.text, facts.created_at, facts.deleted)
    if isinstance(facts, AccountFacts):
        return SubjectView("", facts.created_at, False, bio=facts.bio)
    return None


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


def account_view(data: AccountData | None, now: datetime) -> AccountView | None:
    if data is None:
        return None
    others = tuple(OtherCase(o, label(Category, o.category)) for o in data.other_cases)
    facts = data.facts
    if facts is None:
        return AccountView(data.account_id, "", "", None, age(None, now), 0, others)
    return AccountView(
        account_id=facts.account_id,
        handle=facts.handle,
        display_name=facts.display_name,
        created_at=facts.created_at,
        age=age(facts.created_at, now),
        posts=facts.post_count,
        other_cases=others,
    )


@dataclass(frozen=True)
class PostCardView:
    """One post reported with the case, as the desk shows it."""

    post_id: str
    known: bool
    text: str
    handle: str
    account_id: str
    created_at: datetime | None
    deleted: bool
    media: tuple[MediaItem, ...]
    media_in_case: int
    reach: Reach | None
    dom_id: str  # a stable element id for the card


def post_card_view(card: PostCard) -> PostCardView:
    return PostCardView(
        post_id=card.post_id,
        known=card.known,
        text=card.text,
        handle=card.handle,
        account_id=card.account_id,
        created_at=card.created_at,
        deleted=card.deleted,
        media=card.media,
        media_in_case=card.media_in_case,
        reach=reach(card.reach) if card.known else None,
        dom_id=element_id(SubjectType.POST, card.post_id),
    )


@dataclass(frozen=True)
class ScanEvidenceView:
    """An upload behind the case, with its kind in words."""

    signal: ScanSignal
    label: str
    near: bool
    matches: tuple[dict[str, Any], ...]


def scan_evidence_view(e: ScanEvidence) -> ScanEvidenceView:
    return ScanEvidenceView(e.signal, label(ScanSignalKind, e.kind), e.near, e.matches)


# --- decisions and the platform's outcome ---------------------------------------------------


@dataclass(frozen=True)
class DecisionButton:
    """A decision the case allows, with its shortcut and what it will do."""

    value: str
    verb: str
    key: str
    effect: str
    destructive: bool


def decision_button(spec: DecisionSpec) -> DecisionButton:
    return DecisionButton(
        value=spec.key,
        verb=spec.verb,
        key=spec.shortcut,
        effect=spec.effect,
        destructive=spec.destructive,
    )


@dataclass(frozen=True)
class Outcome:
    """What the platform did with a decision: applied, refused, or not said yet (waiting)."""

    status: str
    text: str


def outcome(case: Case, actions: list[ActionState]) -> Outcome | None:
    """How the platform took the decision's actions, for a closed case that sent some."""
    mine = [a for a in actions if a.origin == case_origin(case)]
    if case.is_open or not mine:
        return None
    refused = [a for a in mine if a.refused]
    if refused:
        first = refused[0]
        said = first.ack_detail or first.ack_status or "every delivery is dead"
        return Outcome("refused", f"not applied on the platform ({said})")
    if all(a.applied for a in mine):
        return Outcome("applied", "applied on the platform")
    return Outcome("waiting", "sent; the platform has not confirmed it yet")


# --- the term rules a decision made ---------------------------------------------------------


@dataclass(frozen=True)
class RuleView:
    """A term rule a case's decision named, in words: what it matches, and whether this
    decision made it or found it already in place."""

    id: int
    term: str
    match_label: str
    effect_label: str
    made_here: bool
    origin: str  # "made by this decision", or where the rule already in place came from
    removed: bool
    removed_text: str


@dataclass(frozen=True)
class HashtagChoice:
    """One of a post's hashtags offered to suppress, and the rule that already catches it."""

    tag: str
    caught_by: int | None


def rule_view(row: RuleRow, case_id: str) -> RuleView:
    made_here = row.source == RuleSource.CASE and row.case_id == case_id
    if made_here:
        origin = "made by this decision"
    else:
        where = label(RuleSource, row.source).lower()
        origin = f"already in place ({where}{f' of case {row.case_id}' if row.case_id else ''})"
    return RuleView(
        id=row.id,
        term=row.term,
        match_label=label(MatchKind, row.match).lower(),
        effect_label=label(RuleEffect, row.effect).lower(),
        made_here=made_here,
        origin=origin,
        removed=not row.active,
        removed_text=f"removed since by {row.removed_by}" if not row.active else "",
    )


# --- the case page --------------------------------------------------------------------------


@dataclass
class CaseDetail:
    """Everything the case page shows, in words."""

    case: Case
    tier_badge: str
    subject_heading: str
    category_label: str
    reason_label: str
    signals: tuple[SignalTag, ...]
    due: Due
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
    outcome: Outcome | None
    staff: list[str] = field(default_factory=list)
    next_case: str = ""
    posts: list[PostCardView] = field(default_factory=list)
    posts_not_shown: list[str] = field(default_factory=list)
    viewer_id: int | None = None
    scan_evidence: list[ScanEvidenceView] = field(default_factory=list)
    hashtags: list[HashtagChoice] = field(default_factory=list)  # the post's, to tick
    rules: list[RuleView] = field(default_factory=list)
    caught_by: int | None = None  # a hashtag case's tag: the rule suppressing it already

    @property
    def actions_settling(self) -> bool:
        """Whether an action may still change (delivery or ack): the page keeps it fresh."""
        return actions_settling(self.actions)

    @property
    def also_count(self) -> int:
        return len(self.posts) + len(self.posts_not_shown)

    @property
    def choose_posts(self) -> bool:
        """Whether "Remove post" offers a choice of the posts reported with this one."""
        return bool(self.posts or self.posts_not_shown) and any(
            b.value == DecisionKind.REMOVED_POST for b in self.decisions
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

    @property
    def is_post(self) -> bool:
        return self.case.subject_type == SubjectType.POST

    @property
    def is_hashtag(self) -> bool:
        return self.case.subject_type == SubjectType.HASHTAG

    @property
    def verified_reporters(self) -> int:
        """Signed-in platform users (or trusted flaggers) among the reporters, at least."""
        return max((int(n) for n in self.case.verified_reporters.values()), default=0)

    def find_media(self, media_id: str) -> MediaItem | None:
        """A media tile of the page, in the case's media or one of its posts."""
        for item in [*self.media, *(m for p in self.posts for m in p.media)]:
            if item.media_id == media_id:
                return item
        return None


def _subject_heading(subject_type: str) -> str:
    try:
        return SUBJECT_HEADINGS[SubjectType(subject_type)]
    except (ValueError, KeyError):
        return label(SubjectType, subject_type)


def case_detail(data: CaseData, now: datetime) -> CaseDetail:
    """The case page as shown, from what was read."""
    c = data.case
    return CaseDetail(
        case=c,
        tier_badge=tier_badge(c.tier),
        subject_heading=_subject_heading(c.subject_type),
        category_label=label(Category, c.category),
        reason_label=reason_label(c.cse_reason),
        signals=signal_tags(c.signals),
        due=due(c.deadline_at, now),
        report_groups=report_groups(data.reports, see_reporters=data.can.see_reporters),
        more_reports=data.more_reports,
        subject=subject_view(data.subject),
        reach=reach(data.reach) if data.reach is not None else None,
        account=account_view(data.account, now),
        media=data.media,
        comments=data.comments,
        audit=data.audit,
        actions=data.actions,
        decisions=[decision_button(spec) for spec in data.decisions],
        can=data.can,
        must_view=data.must_view,
        outcome=outcome(c, data.actions),
        staff=data.staff,
        next_case=data.next_case,
        posts=[post_card_view(p) for p in data.posts],
        posts_not_shown=data.posts_not_shown,
        viewer_id=data.viewer_id,
        scan_evidence=[scan_evidence_view(e) for e in data.scan_evidence],
        hashtags=[HashtagChoice(t, data.caught.get(t)) for t in data.hashtags],
        caught_by=data.caught.get(c.subject_id) if c.subject_type == SubjectType.HASHTAG else None,
        rules=[rule_view(r, c.public_id) for r in data.rules],
    )
