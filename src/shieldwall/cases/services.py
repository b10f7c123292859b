"""The verbs of cases: file a report into its case, prioritise, and decide.

A decision is an entry of the registry (`cases.decisions`); deciding carries the entry out
through the one take-down flow (`cases.takedown`): its actions go to the platform in the same
transaction (the outbox delivers them), a removal banks the media's hashes so the same media
can never be posted again, and a `Decision` record and an audit event say who decided what.
Reports are marked through the reports services; cases never write a report row itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import Count, Value, When
from django.utils import timezone

from shieldwall.banks.kinds import PROTECTED_KINDS, BankKind
from shieldwall.cases import decisions, priority
from shieldwall.cases.clusters import MediaHashRow, open_case_with_media
from shieldwall.cases.decisions import DecisionSpec, Grounds
from shieldwall.cases.events import CaseEvent
from shieldwall.cases.models import (
    OPEN_STATES,
    Case,
    CaseComment,
    CaseMedia,
    CaseReport,
    CaseState,
    DecisionKind,
    MediaView,
    Tier,
    TrustedFlagger,
)
from shieldwall.cases.permissions import (
    ACKNOWLEDGE_CASES,
    ACT_ON_CASES,
    ACT_ON_ESCALATED,
    ASSIGN_CASES,
    BULK_ACT,
    COMMENT_CASES,
    VIEW_MEDIA,
)
from shieldwall.cases.takedown import (
    PLATFORM_REMOVED,
    AuditNote,
    Takedown,
    case_media,
    case_posts,
    chosen_posts,
    post_media,
    take_down,
)
from shieldwall.core import audit
from shieldwall.core.actors import SYSTEM, Actor, require
from shieldwall.core.errors import Conflict, Forbidden, Invalid, NotFound
from shieldwall.integrations.kinds import SUBJECT_OF_KIND
from shieldwall.matching.services import QueryHashes, match_hashes
from shieldwall.reports.categories import Category
from shieldwall.reports.events import ReportEvent
from shieldwall.reports.models import Depicted, Report, ReportSource, Resolution
from shieldwall.reports.services import (
    mark_decided,
    mark_filed,
    mark_in_review,
    read_pending_link,
)
from shieldwall.subjects import reads
from shieldwall.subjects.kinds import SubjectType

log = structlog.get_logger(__name__)
REMOVED_BANK = PLATFORM_REMOVED.name
MAX_BULK = 500


def _new_id() -> str:
    return "case_" + secrets.token_urlsafe(10)


ORIGIN_PREFIX = "case:"


def case_origin(case: Case) -> str:
    """What the case's actions carry as their origin, so a refusal comes back to the case."""
    return ORIGIN_PREFIX + case.public_id


# --- filing reports into cases -------------------------------------------------------------


def _bank_matches(media: list[MediaHashRow]) -> list[dict[str, object]]:
    found = []
    for m in media:
        q = QueryHashes(
            md5=m.md5 or None, sha256=m.sha256 or None, pdq=m.pdq or None, pdq_quality=m.pdq_quality
        )
        for hit in match_hashes(q):
            found.append(
                {
                    "media_id": m.media_id,
                    "bank": hit.bank,
                    "bank_kind": hit.bank_kind,
                    "signal_type": hit.signal_type,
                    "distance": hit.distance,
                    "variant_of": hit.variant_of,
                }
            )
    return found


def _reach_is_fast(post_id: str) -> bool:
    samples = reads.reach_samples([post_id], newest=2)[post_id]  # oldest first
    if len(samples) < 2:
        return False
    (t0, v0), (t1, v1) = ((s.at, s.views) for s in samples)
    hours = max((t1 - t0).total_seconds() / 3600, 1 / 60)
    return (v1 - v0) / hours >= priority.FAST_REACH_VIEWS_PER_HOUR


def _account_is_new(account_id: str, now: datetime) -> bool:
    created = reads.account_created_at(account_id)
    return created is not None and now - created < timedelta(days=priority.NEW_ACCOUNT_DAYS)


def _reporter_key(report: Report) -> str:
    return report.reporter_id or report.reporter_email or f"anonymous:{report.pk}"


def file_report(report: Report) -> tuple[Case, bool]:
    """Put a new report into the open case of its subject (or of a copy of its media).

    Returns the case and whether it was opened now; the caller writes the audit events
    last in its transaction, so the audit chain's lock is held as briefly as possible.
    Only a report about one of the platform's own subjects is filed: an unresolved link is
    never made into a case that actions could be issued on.
    """
    if report.resolution != Resolution.RESOLVED:
        raise Conflict(
            "unresolved_report",
            f"Report {report.public_id} names no subject of the platform yet; resolve it first.",
        )
    now = timezone.now()
    media = post_media(report.subject_id) if report.subject_type == SubjectType.POST else []
    case, opened = _find_or_open(report, media, now)
    CaseReport.objects.create(case=case, report=report)
    for m in media:
        CaseMedia.objects.get_or_create(
            case=case,
            media_id=m.media_id,
            defaults={
                "post_id": report.subject_id,
                "md5": m.md5,
                "sha256": m.sha256,
                "pdq": m.pdq,
                "pdq_quality": m.pdq_quality,
            },
        )
    _refresh(case, report, media, now)
    return case, opened


def _find_or_open(report: Report, media: list[MediaHashRow], now: datetime) -> tuple[Case, bool]:
    case = (
        Case.objects.select_for_update()
        .filter(
            subject_type=report.subject_type, subject_id=report.subject_id, state__in=OPEN_STATES
        )
        .first()
    )
    if case is None and media:
        case_id = open_case_with_media(media)
        if case_id is not None:
            case = Case.objects.select_for_update().get(pk=case_id)
    if case is not None:
        return case, False
    account_id = ""
    if report.subject_type == SubjectType.ACCOUNT:
        account_id = report.subject_id
    elif report.subject_type == SubjectType.POST:
        account_id = reads.account_of_post(report.subject_id)
    return open_case(
        subject_type=report.subject_type,
        subject_id=report.subject_id,
        account_id=account_id,
        category=report.category,
        cse_reason=report.cse_reason,
        now=now,
    )


def open_case(
    *,
    subject_type: str,
    subject_id: str,
    account_id: str,
    category: str,
    cse_reason: str,
    now: datetime,
) -> tuple[Case, bool]:
    """A new open case on the subject (tier and deadline set by the caller's prioritising),
    or, when a report or another worker opened one just now, that one: one open case per
    subject is the database's constraint, so the race ends in the same case either way."""
    fresh = Case(
        public_id=_new_id(),
        subject_type=subject_type,
        subject_id=subject_id,
        account_id=account_id,
        category=category,
        cse_reason=cse_reason,
        tier=Tier.OTHER,
        opened_at=now,
        deadline_at=now,
    )
    try:
        with transaction.atomic():
            fresh.save()
    except IntegrityError:
        found = Case.objects.select_for_update().get(
            subject_type=subject_type, subject_id=subject_id, state__in=OPEN_STATES
        )
        return found, False
    return fresh, True


def _is_verified(report: Report) -> bool:
    """Whether a platform vouches for the reporter: one of its signed-in users (trusted
    flaggers are among them, by their platform id); not the public page, not anonymous."""
    return report.source == ReportSource.PLATFORM and bool(report.reporter_id)


def _is_new_verified(case: Case, report: Report) -> bool:
    """Whether this verified reporter had not reported the case in this category before.

    By the platform's user id alone, whichever of the platform's keys sent the report (keys
    are rotated; Shieldwall serves one platform's ids).
    """
    earlier = Report.objects.filter(
        case_link__case=case,
        category=report.category,
        source=ReportSource.PLATFORM,
        reporter_id=report.reporter_id,
    ).exclude(pk=report.pk)
    return not earlier.exists()


def _is_new_reporter(case: Case, report: Report) -> bool:
    """Whether this report's author had not reported into the case before (anonymous: new)."""
    if not (report.reporter_id or report.reporter_email):
        return True
    earlier = Report.objects.filter(case_link__case=case).exclude(pk=report.pk)
    if report.reporter_id:
        return not earlier.filter(reporter_id=report.reporter_id).exists()
    return not earlier.filter(reporter_email=report.reporter_email).exists()


def _refresh(case: Case, report: Report, media: list[MediaHashRow], now: datetime) -> None:
    """Fold one new report into the case's counts, category, signals, tier and deadline."""
    first = case.report_count == 0
    best = report.category
    if not first and priority.tier_of(case.category, set()) <= priority.tier_of(best, set()):
        best = case.category
    matches = _bank_matches(media) if media else case.hash_matches
    kinds = {str(m["bank_kind"]) for m in matches}
    signals = set(case.signals)
    if BankKind.VERIFIED_CSAM in kinds:
        signals.add(priority.VERIFIED_MATCH)
    elif kinds:
        signals.add(priority.BANK_MATCH)
    if report.depicted == Depicted.REPORTER:
        signals.add(priority.DEPICTED_REPORTER)
    if (
        report.reporter_id
        and TrustedFlagger.objects.filter(reporter_id=report.reporter_id).exists()
    ):
        signals.add(priority.TRUSTED_FLAGGER)
    if case.subject_type == SubjectType.POST and _reach_is_fast(case.subject_id):
        signals.add(priority.FAST_REACH)
    if case.account_id and _account_is_new(case.account_id, now):
        signals.add(priority.NEW_ACCOUNT)
    case.report_count += 1
    if first or _is_new_reporter(case, report):
        case.reporter_count += 1
    if _is_verified(report) and _is_new_verified(case, report):
        counts = dict(case.verified_reporters)
        counts[report.category] = counts.get(report.category, 0) + 1
        case.verified_reporters = counts
    if case.reporter_count >= priority.MANY_REPORTERS_COUNT:
        signals.add(priority.MANY_REPORTERS)
    p = priority.prioritise(
        category=best, bank_kinds=kinds, signals=signals, opened_at=case.opened_at
    )
    case.category = best
    if report.category == Category.CSE and report.cse_reason:
        case.cse_reason = report.cse_reason
    case.tier = p.tier
    case.signals = list(p.signals)
    case.deadline_at = p.deadline_at if first else min(case.deadline_at, p.deadline_at)
    case.hash_matches = matches
    # Acting without viewing needs the verified media itself, not our guess at an edit of it.
    case.verified_match = any(
        m["bank_kind"] == BankKind.VERIFIED_CSAM and not m.get("variant_of") for m in matches
    )
    _interim_protection(case, kinds)
    case.save()


def _interim_protection(case: Case, bank_kinds: set[str]) -> None:
    """Limit a CSE-reported post with a match in a protected bank, or enough verified CSE
    reporters, until it is reviewed. Anonymous and public reports raise priority but never
    limit a post alone, and reports of other categories do not count towards it. A match in
    a custom bank does not count: its hashes are the platform's own choice, so one anonymous
    report and a review-only bank of anything would otherwise limit any post."""
    threshold = settings.SHIELDWALL.interim_limit_reports
    if case.limited or case.subject_type != SubjectType.POST or case.category != Category.CSE:
        return
    verified = int(case.verified_reporters.get(Category.CSE, 0))
    known = bool(bank_kinds & PROTECTED_KINDS)
    if not threshold or not (known or verified >= threshold):
        return
    spec = decisions.DECISIONS[DecisionKind.LIMITED_POST]
    subject = (SubjectType.POST.value, case.subject_id)
    take_down(
        Takedown(
            subject=subject,
            grounds=Grounds(category=case.category, policy=spec.key),
            actions=spec.actions,
            reason=spec.reason,
            origin=case_origin(case),
            posts=(case.subject_id,),
        ),
        actor=SYSTEM,
        case=case,
    )
    case.limited = True


FILE_BATCH = 500


def file_pending_reports(*, limit: int = FILE_BATCH) -> int:
    """File stored reports into their cases, most urgent first, one transaction per batch.

    Any number of workers may run this: on PostgreSQL each takes different reports (SKIP
    LOCKED); SQLite runs one writer at a time anyway. One audit event records the batch, and
    one more each case it opened. A report that fails to file is logged and left for the next
    round, without holding up the others.
    """
    with transaction.atomic():
        # Child sexual exploitation first, then NCII, then the rest: a flood of other reports
        # never holds a CSE report back from the queue.
        urgency = SqlCase(
            When(category=Category.CSE, then=Value(0)),
            When(category=Category.NCII, then=Value(1)),
            default=Value(2),
        )
        pending = (
            Report.objects.filter(filed_at__isnull=True)
            .annotate(urgency=urgency)
            .order_by("urgency", "id")
        )
        if connection.vendor == "postgresql":
            pending = pending.select_for_update(skip_locked=True)
        reports = list(pending[:limit])
        if not reports:
            return 0
        filed: list[tuple[Report, Case]] = []
        waiting: list[Report] = []
        opened: list[Case] = []
        for report in reports:
            try:
                with transaction.atomic():
                    if report.resolution == Resolution.PENDING:
                        read_pending_link(report)
                    if report.resolution != Resolution.RESOLVED:
                        waiting.append(report)  # in the unresolved links, for triage
                        continue
                    case, was_opened = file_report(report)
            except Exception:
                log.exception("report.filing_failed", report=report.public_id)
                continue
            filed.append((report, case))
            if was_opened:
                opened.append(case)
        now = timezone.now()
        mark_filed(
            Report.objects.filter(pk__in=[r.pk for r, _ in filed] + [r.pk for r in waiting]),
            at=now,
        )
        for case in opened:
            audit.record(
                actor=SYSTEM,
                action=CaseEvent.OPENED,
                subject_type="case",
                subject_id=case.public_id,
                data={"subject": f"{case.subject_type}:{case.subject_id}"},
            )
        if filed:
            audit.record(
                actor=SYSTEM,
                action=ReportEvent.FILED,
                subject_type="reports",
                subject_id=f"{filed[0][0].public_id}..{filed[-1][0].public_id}",
                data={
                    "count": len(filed),
                    "reports": [
                        [r.public_id, c.public_id, r.category, r.submitted_by] for r, c in filed
                    ],
                },
            )
        if waiting:
            audit.record(
                actor=SYSTEM,
                action=ReportEvent.UNRESOLVED,
                subject_type="reports",
                subject_id=f"{waiting[0].public_id}..{waiting[-1].public_id}",
                data={
                    "count": len(waiting),
                    "reports": [[r.public_id, r.category, r.unresolved_reason] for r in waiting],
                },
            )
    return len(filed) + len(waiting)


# --- working cases -----------------------------------------------------------------------


def get_case(public_id: str, *, for_update: bool = False) -> Case:
    """The case with this id, or NotFound."""
    qs = Case.objects.select_for_update() if for_update else Case.objects.all()
    case = qs.filter(public_id=public_id).first()
    if case is None:
        raise NotFound("case_not_found", f"No case {public_id!r}.")
    return case


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise Conflict("case_closed", f"Case {case.public_id} is already closed.")


def acknowledge(*, case_id: str, actor: Actor) -> Case:
    """Triage has seen the case; it stays in the queue for a decision."""
    require(actor, ACKNOWLEDGE_CASES)
    with transaction.atomic():
        case = get_case(case_id, for_update=True)
        _require_open(case)
        if case.state == CaseState.OPEN:
            case.state = CaseState.ACKNOWLEDGED
            case.save(update_fields=["state", "updated_at"])
            mark_in_review(Report.objects.filter(case_link__case=case))
            audit.record(
                actor=actor,
                action=CaseEvent.ACKNOWLEDGED,
                subject_type="case",
                subject_id=case.public_id,
            )
    return case


def escalate(*, case_id: str, actor: Actor, note: str = "") -> Case:
    """Hand the case to a lead."""
    require(actor, ACKNOWLEDGE_CASES)
    with transaction.atomic():
        case = get_case(case_id, for_update=True)
        _require_open(case)
        case.state = CaseState.ESCALATED
        case.save(update_fields=["state", "updated_at"])
        if note:
            CaseComment.objects.create(case=case, author=actor.label, text=note[:5000])
        audit.record(
            actor=actor,
            action=CaseEvent.ESCALATED,
            subject_type="case",
            subject_id=case.public_id,
            data={"note": bool(note)},
        )
    return case


def assign(*, case_id: str, username: str | None, actor: Actor) -> Case:
    """Give the case to a staff member (or nobody)."""
    require(actor, ASSIGN_CASES)
    user = None
    if username:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise Invalid("unknown_user", f"No staff member {username!r}.", field="assignee")
    with transaction.atomic():
        case = get_case(case_id, for_update=True)
        case.assignee = user
        case.save(update_fields=["assignee", "updated_at"])
        audit.record(
            actor=actor,
            action=CaseEvent.ASSIGNED,
            subject_type="case",
            subject_id=case.public_id,
            data={"assignee": username or ""},
        )
    return case


def comment(*, case_id: str, text: str, actor: Actor) -> CaseComment:
    """Add a note to the case."""
    require(actor, COMMENT_CASES)
    text = text.strip()
    if not text or len(text) > 5000:
        raise Invalid("invalid_comment", "A comment is 1 to 5000 characters.", field="text")
    with transaction.atomic():
        case = get_case(case_id)
        note = CaseComment.objects.create(case=case, author=actor.label, text=text)
        audit.record(
            actor=actor, action=CaseEvent.COMMENTED, subject_type="case", subject_id=case.public_id
        )
    return note


def record_media_view(*, case_id: str, media_id: str, actor: Actor) -> MediaView:
    """Record that a person revealed a media item (NCMEC fileViewedByEsp comes from these)."""
    require(actor, VIEW_MEDIA)
    with transaction.atomic():
        case = get_case(case_id)
        if not _case_shows_media(case, media_id):
            raise NotFound("media_not_found", f"Case {case_id} has no media {media_id!r}.")
        view = MediaView.objects.create(case=case, media_id=media_id, viewer=actor.label)
        audit.record(
            actor=actor,
            action=CaseEvent.MEDIA_VIEWED,
            subject_type="case",
            subject_id=case.public_id,
            data={"media_id": media_id},
        )
    return view


def _case_shows_media(case: Case, media_id: str) -> bool:
    """Whether the case page shows this media: the case's own, or on a post reported with it."""
    if not media_id or case.media.filter(media_id=media_id).exists():
        return bool(media_id)
    on_posts = reads.post_media_ids(case_posts(case))
    return any(media_id in ids for ids in on_posts.values())


def decide(
    *,
    case_id: str,
    decision: str,
    actor: Actor,
    note: str = "",
    post_ids: Sequence[str] | None = None,
    hashtags: Sequence[str] | None = None,
) -> Case:
    """Close a case with a decision, issue its action and, for removals, bank the media.

    `post_ids` are the posts reported with the case that a removal also takes (the case's
    own post always goes); None takes every one. An id not in the case is refused.
    `hashtags` are the post's hashtags that "Suppress hashtag" on a post case suppresses
    (at least one, each one of the post's own); a hashtag case suppresses its hashtag.
    """
    require(actor, ACT_ON_CASES)
    with transaction.atomic():
        case = get_case(case_id, for_update=True)
        _decide(case, decision, actor, note, post_ids, hashtags)
    return case


def bulk_decide(*, case_ids: Sequence[str], decision: str, actor: Actor, note: str = "") -> int:
    """Decide many cases at once (report floods); leads only."""
    require(actor, BULK_ACT)
    ids = list(dict.fromkeys(case_ids))
    if not ids or len(ids) > MAX_BULK:
        raise Invalid("invalid_selection", f"Select 1 to {MAX_BULK} cases.", field="case_ids")
    with transaction.atomic():
        cases = list(Case.objects.select_for_update().filter(public_id__in=ids))
        if len(cases) != len(ids):
            raise NotFound("case_not_found", "Some selected cases do not exist.")
        for case in cases:
            _decide(case, decision, actor, note)
    return len(cases)


def _decide(
    case: Case,
    decision: str,
    actor: Actor,
    note: str,
    post_ids: Sequence[str] | None = None,
    hashtags: Sequence[str] | None = None,
) -> None:
    """Carry out one decision of the registry on a locked case, in the caller's transaction."""
    _require_open(case)
    if Report.objects.filter(case_link__case=case).exclude(resolution=Resolution.RESOLVED).exists():
        raise Conflict(
            "unresolved_subject",
            "This case holds a report whose link was never matched to a subject on the "
            "platform, so an action would reach nothing. Resolve or dismiss it under "
            "Unresolved links first.",
        )
    if case.state == CaseState.ESCALATED and not actor.can(ACT_ON_ESCALATED):
        raise Forbidden("forbidden", "Escalated cases are decided by a lead.")
    spec = decisions.spec_for(decision, case.subject_type)
    td = _takedown_of(case, spec, note, post_ids, hashtags)
    data: dict[str, object] = {
        "decision": spec.key,
        "subject": f"{case.subject_type}:{case.subject_id}",
    }
    if td.posts:
        data["posts"] = list(td.posts)
    if td.hashtags:
        data["hashtags"] = list(td.hashtags)
    take_down(
        td,
        actor=actor,
        case=case,
        event=AuditNote(CaseEvent.DECIDED, "case", case.public_id, data),
    )
    if spec.closes_case:
        _close(case, spec)


def _takedown_of(
    case: Case,
    spec: DecisionSpec,
    note: str,
    post_ids: Sequence[str] | None,
    hashtags: Sequence[str] | None = None,
) -> Takedown:
    """What a decision takes down on a case: its post and the copies chosen, its media, its
    account or hashtag, as far as the decision's actions and bank effect reach."""
    reaches = {SUBJECT_OF_KIND[kind] for kind in spec.actions}
    banks = spec.bank != decisions.BankEffect.NONE
    account = case.account_id or (
        case.subject_id if case.subject_type == SubjectType.ACCOUNT else ""
    )
    return Takedown(
        subject=(case.subject_type, case.subject_id),
        grounds=Grounds(category=case.category, policy=spec.key, note=note),
        actions=spec.actions,
        reason=spec.reason or f"{case.category}"[:64],
        origin=case_origin(case),
        posts=tuple(chosen_posts(case, post_ids)) if SubjectType.POST in reaches else (),
        media=tuple(case_media(case)) if banks or SubjectType.MEDIA in reaches else (),
        account_id=account,
        hashtags=_hashtags_of(case, hashtags) if SubjectType.HASHTAG in reaches else (),
        rules=spec.makes_rules,
        rule_reason=f"case {case.public_id}: {note or spec.label}"[:2000],
        bank=spec.bank,
        bank_note=f"case {case.public_id}",
    )


def _hashtags_of(case: Case, chosen: Sequence[str] | None) -> tuple[str, ...]:
    """The hashtags a decision suppresses, each in the platform's own spelling: a hashtag
    case's subject, or the post's hashtags the moderator ticked (at least one, each one of
    the post's own; anything else is refused before anything is issued)."""
    if case.subject_type == SubjectType.HASHTAG:
        return (case.subject_id,)
    own = reads.post_hashtags([case.subject_id]).get(case.subject_id, [])
    picked = list(dict.fromkeys(t for t in chosen or () if t))
    if not picked:
        raise Invalid(
            "no_hashtag_chosen",
            "Tick at least one of the post's hashtags to suppress."
            if own
            else "This post has no hashtags to suppress.",
            field="hashtags",
        )
    unknown = [t for t in picked if t not in own]
    if unknown:
        raise Invalid(
            "unknown_hashtag",
            f"#{unknown[0][:100]} is not a hashtag of this post.",
            field="hashtags",
        )
    return tuple(t for t in own if t in picked)


def _close(case: Case, spec: DecisionSpec) -> None:
    """Close the case with the decision, and tell its reports what was decided."""
    now = timezone.now()
    case.state = CaseState.CLOSED
    case.decision = spec.key
    case.closed_at = now
    case.save(update_fields=["state", "decision", "closed_at", "updated_at"])
    mark_decided(Report.objects.filter(case_link__case=case), status=spec.report_status, at=now)


def escalate_due(*, now: datetime | None = None) -> int:
    """Escalate open cases that are near their deadline (run by the worker every minute)."""
    now = now or timezone.now()
    count = 0
    candidates = Case.objects.filter(
        state__in=[CaseState.OPEN, CaseState.ACKNOWLEDGED],
        overdue_escalated=False,
        deadline_at__lte=now + timedelta(days=30),
    ).order_by("deadline_at")[:1000]
    for case in candidates:
        if not priority.near_deadline(
            opened_at=case.opened_at, deadline_at=case.deadline_at, now=now
        ):
            continue
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.overdue_escalated or not locked.is_open:
                continue
            locked.state = CaseState.ESCALATED
            locked.overdue_escalated = True
            locked.save(update_fields=["state", "overdue_escalated", "updated_at"])
            audit.record(
                actor=SYSTEM,
                action=CaseEvent.ESCALATED_NEAR_DEADLINE,
                subject_type="case",
                subject_id=locked.public_id,
                data={"deadline_at": locked.deadline_at.isoformat()},
            )
        count += 1
    return count


def queue_counts() -> dict[str, int]:
    """Open cases by tier and by state, for the desk's live counts."""
    counts: dict[str, int] = {}
    for row in (
        Case.objects.filter(state__in=OPEN_STATES).values("tier", "state").annotate(n=Count("id"))
    ):
        counts[f"tier{row['tier']}"] = counts.get(f"tier{row['tier']}", 0) + row["n"]
        counts[row["state"]] = counts.get(row["state"], 0) + row["n"]
    return counts
