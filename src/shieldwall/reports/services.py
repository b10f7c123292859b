"""Report intake: validate the answered path against the flow, store once, tell status.

A public report names its subject by a link: intake only checks that the link is an http(s)
link to the platform's own hosts and reads what its pattern names (no query beyond a cached
profile); the worker's filer then finds the subject among those the platform told us of.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.crypto import salted_hmac

from shieldwall.core import crockford
from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import Conflict, Invalid, NotFound
from shieldwall.reports.categories import Category
from shieldwall.reports.flow import Flow, build_flow, validate_answers
from shieldwall.reports.models import (
    Report,
    ReportSource,
    ReportStatus,
    Resolution,
    UnresolvedReason,
)
from shieldwall.reports.permissions import SUBMIT_REPORTS
from shieldwall.subjects.kinds import SubjectType
from shieldwall.subjects.profile import KnownSubject, find_known_subject, read_public_link

RECEIPT_SALT = "shieldwall.reports.receipt"
_RECEIPT_CHARS = 24  # 120 bits


@dataclass(frozen=True)
class ReportIn:
    """A report as a platform or the public page submits it."""

    idempotency_key: str
    subject_type: str
    subject_id: str
    has_media: bool
    path: list[tuple[str, str]]
    fields: dict[str, Any]
    subject_handle: str = ""
    subject_url: str = ""
    reporter_id: str = ""
    reporter_name: str = ""
    reporter_email: str = ""
    source: str = ReportSource.PLATFORM


def report_flow(*, subject: str, has_media: bool) -> Flow:
    """The step tree a platform renders for this subject."""
    return build_flow(subject, has_media)


def _new_id() -> str:
    return "rep_" + secrets.token_urlsafe(12)


def _check_identity(report: ReportIn, category: str) -> bool:
    """Anonymous only where the law allows it: child sexual abuse (EU DSA Art. 16(2)(c))."""
    anonymous = not (report.reporter_id or report.reporter_email)
    if anonymous and report.source == ReportSource.PUBLIC_FORM and category != Category.CSE:
        raise Invalid(
            "contact_required",
            "Give your name and email: the law asks for them with every report except one "
            "of child sexual exploitation, which may be anonymous.",
            field="reporter_email",
        )
    return anonymous


@dataclass(frozen=True)
class _Subject:
    type: str
    id: str
    handle: str
    url: str
    resolution: str


def _subject(report: ReportIn) -> _Subject:
    """What the report is about: the platform's id, or (public page) what its link names."""
    if report.source != ReportSource.PUBLIC_FORM:
        return _Subject(
            report.subject_type,
            report.subject_id,
            report.subject_handle,
            report.subject_url,
            Resolution.RESOLVED,
        )
    url = report.subject_url.strip()
    found = read_public_link(url)
    if found is not None and found.subject_type != report.subject_type:
        raise Invalid(
            "subject_type_mismatch",
            f"The link is to {'an' if found.subject_type == SubjectType.ACCOUNT else 'a'} "
            f"{found.subject_type}, not a {report.subject_type}.",
            field="subject_type",
        )
    subject_id = found.value if found is not None and found.placeholder != "handle" else ""
    handle = found.value if found is not None and found.placeholder == "handle" else ""
    return _Subject(report.subject_type, subject_id, handle, url, Resolution.PENDING)


def public_link_type(*, url: str, chosen: str) -> str:
    """The subject type a pasted link names (its pattern's, else the one chosen); Invalid
    unless it is an http(s) link to the platform's own hosts."""
    found = read_public_link(url.strip())
    return found.subject_type if found is not None else chosen


def public_receipt(*, submitted_by: str, idempotency_key: str) -> str:
    """The receipt a public reporter looks their report up with (the same on a resubmission).

    Derived from the form's key with the server's secret, so it is unguessable, never stored
    in the clear (only its hash), and shown again when the same form is sent twice.
    """
    digest = salted_hmac(
        RECEIPT_SALT, f"{submitted_by}\n{idempotency_key}", algorithm="sha256"
    ).digest()
    value = int.from_bytes(digest[:15], "big")
    code = crockford.encode(value, _RECEIPT_CHARS)
    return "-".join(code[i : i + 4] for i in range(0, _RECEIPT_CHARS, 4))


def _receipt_hash(receipt: str) -> str:
    return hashlib.sha256(receipt.encode()).hexdigest()


def _normalise_receipt(raw: str) -> str:
    text = "".join(ch for ch in raw.upper() if ch.isalnum())
    text = text.translate(str.maketrans("OIL", "011"))
    if not crockford.is_encoded(text, _RECEIPT_CHARS):
        return ""
    return "-".join(text[i : i + 4] for i in range(0, _RECEIPT_CHARS, 4))


@dataclass(frozen=True)
class ReceiptStatus:
    """All a receipt tells: where the report stands, never what or who it was about."""

    status: str
    resolution: str


def look_up_receipt(*, receipt: str, actor: Actor) -> ReceiptStatus | None:
    """The status of the public report with this receipt, or None."""
    require(actor, SUBMIT_REPORTS)
    normalised = _normalise_receipt(receipt[:100])
    if not normalised:
        return None
    found = (
        Report.objects.filter(receipt_hash=_receipt_hash(normalised))
        .values_list("status", "resolution")
        .first()
    )
    return ReceiptStatus(*found) if found is not None else None


def submit_report(*, report: ReportIn, actor: Actor) -> tuple[Report, bool]:
    """Store a report (or return the one already stored under its key); True if new.

    Intake only validates and stores, so a report flood is absorbed fast and nothing is lost;
    the worker files stored reports into their cases within moments and records them in the
    audit log in batches (`cases.services.file_pending_reports`).
    """
    require(actor, SUBMIT_REPORTS)
    if not report.idempotency_key or len(report.idempotency_key) > 200:
        raise Invalid(
            "invalid_key", "idempotency_key is 1 to 200 characters.", field="idempotency_key"
        )
    flow = build_flow(report.subject_type, report.has_media)
    answers = validate_answers(flow, report.path, report.fields)
    anonymous = _check_identity(report, answers.category)
    subject = _subject(report)
    receipt = ""
    if report.source == ReportSource.PUBLIC_FORM:
        receipt = _receipt_hash(
            public_receipt(submitted_by=actor.label, idempotency_key=report.idempotency_key)
        )
    try:
        # A key seen before fails on the unique constraint (no lookup first).
        with _one_statement():
            stored = Report.objects.create(
                public_id=_new_id(),
                submitted_by=actor.label,
                idempotency_key=report.idempotency_key,
                source=report.source,
                subject_type=subject.type,
                subject_id=subject.id,
                subject_handle=subject.handle,
                subject_url=subject.url,
                resolution=subject.resolution,
                receipt_hash=receipt,
                has_media=flow.has_media,
                flow_version=flow.version,
                path=[list(p) for p in answers.path],
                category=answers.category,
                affected=answers.recorded.get("affected", ""),
                cse_reason=answers.cse_reason,
                depicted=answers.recorded.get("depicted", ""),
                authorised=answers.recorded.get("authorised", ""),
                additional_post_ids=list(answers.additional_posts),
                context=answers.context,
                reporter_id=report.reporter_id,
                reporter_name=report.reporter_name,
                reporter_email=report.reporter_email,
                anonymous=anonymous,
            )
    except IntegrityError:
        # A retry, or the same key twice at once: answer with the report stored first.
        existing = Report.objects.get(
            submitted_by=actor.label, idempotency_key=report.idempotency_key
        )
        return _same_or_conflict(existing, subject), False
    return stored, True


def _one_statement() -> AbstractContextManager[object]:
    """In autocommit, nothing (one INSERT, one round trip); inside a transaction, a savepoint
    so that a duplicate key leaves the caller's transaction usable."""
    if transaction.get_connection().in_atomic_block:
        return transaction.atomic()
    return nullcontext()


def _same_or_conflict(existing: Report, subject: _Subject) -> Report:
    public = existing.source == ReportSource.PUBLIC_FORM
    stored = (existing.subject_type, existing.subject_id, existing.subject_url if public else "")
    if stored != (subject.type, subject.id, subject.url if public else ""):
        raise Conflict(
            "idempotency_key_reused",
            "This idempotency_key was used for a report about another subject.",
            field="idempotency_key",
        )
    return existing


def report_status(*, public_id: str, actor: Actor) -> Report:
    """A report the caller submitted, for telling the reporter what happened."""
    require(actor, SUBMIT_REPORTS)
    report = Report.objects.filter(public_id=public_id, submitted_by=actor.label).first()
    if report is None:
        raise NotFound("report_not_found", f"No report {public_id!r} was submitted by you.")
    return report


def link_names(report: Report) -> tuple[str, str]:
    """What a public report's link named, as (placeholder, value); value "" when no pattern fit."""
    if report.subject_handle:
        return "handle", report.subject_handle
    return ("name" if report.subject_type == SubjectType.HASHTAG else "id"), report.subject_id


def read_pending_link(report: Report) -> None:
    """Find what a public report's link names among the subjects the platform told us of.

    The report is then `resolved` (its subject is the platform's id) or `unresolved` (it
    waits for triage, in no case). The caller holds the transaction and the row.
    """
    placeholder, value = link_names(report)
    known = find_known_subject(report.subject_type, placeholder, value) if value else None
    if known is not None:
        resolve_to(report, known)
        return
    report.resolution = Resolution.UNRESOLVED
    report.unresolved_reason = (
        UnresolvedReason.UNKNOWN_SUBJECT if value else UnresolvedReason.NO_MATCH
    )
    report.save(update_fields=["resolution", "unresolved_reason"])


def resolve_to(report: Report, subject: KnownSubject) -> None:
    """Point a report at a subject the platform told us of; the caller files it into its case."""
    report.subject_type = subject.subject_type
    report.subject_id = subject.subject_id
    report.subject_handle = subject.handle
    report.resolution = Resolution.RESOLVED
    report.unresolved_reason = ""
    report.save(
        update_fields=[
            "subject_type",
            "subject_id",
            "subject_handle",
            "resolution",
            "unresolved_reason",
        ]
    )


# --- where a report stands: the only writes of a report's status after intake ---------------

DECIDED_STATUSES = frozenset({ReportStatus.ACTIONED, ReportStatus.NO_VIOLATION})


def mark_filed(reports: QuerySet[Report], *, at: datetime) -> int:
    """The worker (or triage) put these reports into their cases or the unresolved links.

    A report filed before keeps its first time: the filer's clock says when it first moved."""
    return reports.filter(filed_at__isnull=True).update(filed_at=at)


def mark_in_review(reports: QuerySet[Report]) -> int:
    """A person works the reports' case (acknowledged, or reopened after a refusal)."""
    return reports.update(status=ReportStatus.IN_REVIEW, decided_at=None)


def mark_decided(reports: QuerySet[Report], *, status: str, at: datetime) -> int:
    """The reports' case was decided: action taken, or no violation found."""
    if status not in DECIDED_STATUSES:
        raise ValueError(f"{str(status)!r} is not a decided status")
    return reports.update(status=status, decided_at=at)


def dismiss_unresolved(report: Report, *, at: datetime) -> None:
    """Triage closed a waiting report that names nothing on the platform; the caller holds
    its row (locked) and the transaction."""
    report.resolution = Resolution.DISMISSED
    report.status, report.decided_at = ReportStatus.NO_VIOLATION, at
    report.filed_at = report.filed_at or at
    report.save(update_fields=["resolution", "status", "decided_at", "filed_at"])
