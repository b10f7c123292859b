"""Unresolved links: public reports whose link names no subject the platform told us of.

They wait in no case, so no action can be issued on them, until triage resolves one to a
subject (it is then filed into its case like any report) or dismisses it. The worker files
on its own those whose subject the platform's events name within the hour (a post reported
moments after it was made, before its event arrived).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import Value, When
from django.utils import timezone

from shieldwall.cases.events import CaseEvent
from shieldwall.cases.models import Case, CaseReport, CaseState
from shieldwall.cases.permissions import ACKNOWLEDGE_CASES
from shieldwall.cases.services import file_report
from shieldwall.core import audit
from shieldwall.core.actors import SYSTEM, Actor, require
from shieldwall.core.errors import Conflict, Invalid, NotFound
from shieldwall.reports.categories import Category
from shieldwall.reports.events import ReportEvent
from shieldwall.reports.models import Report, Resolution, UnresolvedReason
from shieldwall.reports.services import dismiss_unresolved, link_names, mark_filed, resolve_to
from shieldwall.subjects.kinds import REPORTABLE
from shieldwall.subjects.profile import (
    Profile,
    current_profile,
    find_known_subject,
    find_subject_by_ref,
    known_among,
)

log = structlog.get_logger(__name__)
RETRY_WINDOW = timedelta(hours=1)
RETRY_BATCH = 500
MAX_LISTED = 100


@dataclass(frozen=True)
class UnresolvedRow:
    """One waiting report as triage sees it (never who made it)."""

    report: Report
    category_label: str
    reason_label: str
    named: str  # what the link named (an id, @handle or tag), to start from


@dataclass(frozen=True)
class UnresolvedPage:
    """The waiting reports, child sexual exploitation first, and how links are read."""

    rows: list[UnresolvedRow]
    total: int
    profile: Profile | None


def _label(choices: type[Category] | type[UnresolvedReason], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _named(report: Report) -> str:
    if report.unresolved_reason == UnresolvedReason.LEGACY:
        return ""
    placeholder, value = link_names(report)
    return f"@{value}" if value and placeholder == "handle" else value


def unresolved_page(*, actor: Actor) -> UnresolvedPage:
    """The reports waiting for triage, most urgent first."""
    require(actor, ACKNOWLEDGE_CASES)
    waiting = Report.objects.filter(resolution=Resolution.UNRESOLVED)
    urgency = SqlCase(
        When(category=Category.CSE, then=Value(0)),
        When(category=Category.NCII, then=Value(1)),
        default=Value(2),
    )
    listed = waiting.annotate(urgency=urgency).order_by("urgency", "created_at", "pk")
    rows = [
        UnresolvedRow(
            report=r,
            category_label=_label(Category, r.category),
            reason_label=_label(UnresolvedReason, r.unresolved_reason),
            named=_named(r),
        )
        for r in listed[:MAX_LISTED]
    ]
    return UnresolvedPage(rows=rows, total=waiting.count(), profile=current_profile()[0])


def unresolved_count() -> int:
    """How many reports wait for triage (for the queue's link)."""
    return Report.objects.filter(resolution=Resolution.UNRESOLVED).count()


def _locked(report_id: str) -> Report:
    report = Report.objects.select_for_update().filter(public_id=report_id[:40]).first()
    if report is None:
        raise NotFound("report_not_found", f"No report {report_id[:40]!r}.")
    if report.resolution != Resolution.UNRESOLVED:
        raise Conflict(
            "report_not_waiting",
            f"Report {report.public_id} no longer waits: {report.get_resolution_display()}.",
        )
    return report


def _detach(report: Report, actor: Actor, now: datetime) -> None:
    """Take a report filed by its raw link before links were read out of its old case."""
    link = CaseReport.objects.filter(report=report).first()
    if link is None:
        return
    case = Case.objects.select_for_update().get(pk=link.case_id)
    link.delete()
    case.report_count = max(0, case.report_count - 1)
    if case.is_open and not case.case_reports.exists():
        case.state, case.closed_at = CaseState.CLOSED, now
        audit.record(
            actor=actor,
            action=CaseEvent.CLOSED_EMPTY,
            subject_type="case",
            subject_id=case.public_id,
            data={"report": report.public_id},
        )
    case.save(update_fields=["report_count", "state", "closed_at", "updated_at"])


def _file(report: Report, actor: Actor, now: datetime, via: str) -> Case:
    case, opened = file_report(report)
    mark_filed(Report.objects.filter(pk=report.pk), at=now)
    if opened:
        audit.record(
            actor=SYSTEM,
            action=CaseEvent.OPENED,
            subject_type="case",
            subject_id=case.public_id,
            data={"subject": f"{case.subject_type}:{case.subject_id}"},
        )
    audit.record(
        actor=actor,
        action=ReportEvent.RESOLVED,
        subject_type="report",
        subject_id=report.public_id,
        data={
            "subject": f"{report.subject_type}:{report.subject_id}",
            "case": case.public_id,
            "via": via,
        },
    )
    return case


def resolve_report(*, report_id: str, subject_type: str, subject: str, actor: Actor) -> Case:
    """Triage names the subject a waiting report is about; it is filed into its case."""
    require(actor, ACKNOWLEDGE_CASES)
    if subject_type not in REPORTABLE:
        raise Invalid(
            "invalid_subject", "Choose a post, an account or a hashtag.", field="subject_type"
        )
    known = find_subject_by_ref(subject_type, subject)
    if known is None:
        raise Invalid(
            "unknown_subject",
            f"The platform has told Shieldwall of no {subject_type} {subject.strip()[:80]!r}. "
            "Check the id (an account may be given as @handle), or wait for its events.",
            field="subject",
        )
    now = timezone.now()
    with transaction.atomic():
        report = _locked(report_id)
        _detach(report, actor, now)
        resolve_to(report, known)
        case = _file(report, actor, now, "triage")
    return case


def dismiss_report(*, report_id: str, actor: Actor, note: str = "") -> Report:
    """Triage closes a waiting report that names nothing on the platform."""
    require(actor, ACKNOWLEDGE_CASES)
    if len(note) > 2000 or "\x00" in note:
        raise Invalid("invalid_note", "A note is at most 2000 characters of text.", field="note")
    now = timezone.now()
    with transaction.atomic():
        report = _locked(report_id)
        _detach(report, actor, now)
        dismiss_unresolved(report, at=now)
        audit.record(
            actor=actor,
            action=ReportEvent.DISMISSED,
            subject_type="report",
            subject_id=report.public_id,
            data={"reason": report.unresolved_reason, "note": note.strip()},
        )
    return report


def file_waiting_links(*, now: datetime | None = None) -> int:
    """File the waiting reports of the last hour whose subject the platform now told us of."""
    now = now or timezone.now()
    candidates = list(
        Report.objects.filter(
            resolution=Resolution.UNRESOLVED,
            unresolved_reason=UnresolvedReason.UNKNOWN_SUBJECT,
            created_at__gte=now - RETRY_WINDOW,
        ).order_by("-created_at")[:RETRY_BATCH]
    )
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for report in candidates:
        placeholder, value = link_names(report)
        wanted[report.subject_type, placeholder].add(value)
    known = {key: known_among(key[0], key[1], values) for key, values in wanted.items()}
    filed = 0
    for report in candidates:
        placeholder, value = link_names(report)
        if value not in known[report.subject_type, placeholder]:
            continue
        try:
            with transaction.atomic():
                locked = _locked(report.public_id)
                subject = find_known_subject(locked.subject_type, placeholder, value)
                if subject is None:
                    continue
                resolve_to(locked, subject)
                _file(locked, SYSTEM, now, "events_arrived")
        except Conflict:  # triage took it meanwhile
            continue
        except Exception:
            log.exception("report.refiling_failed", report=report.public_id)
            continue
        filed += 1
    return filed
