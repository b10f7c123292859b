"""Report intake: validate the answered path against the flow, store once, tell status."""

from __future__ import annotations

import secrets
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import Conflict, Invalid, NotFound
from shieldwall.core.roles import SUBMIT_REPORTS
from shieldwall.reports.categories import Category
from shieldwall.reports.flow import Flow, build_flow, validate_answers
from shieldwall.reports.models import Report, ReportSource


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
            "Give your name and email so we can tell you what we decide; only reports of "
            "child sexual exploitation may be anonymous.",
            field="reporter_email",
        )
    return anonymous


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
    try:
        # A key seen before fails on the unique constraint (no lookup first).
        with _one_statement():
            stored = Report.objects.create(
                public_id=_new_id(),
                submitted_by=actor.label,
                idempotency_key=report.idempotency_key,
                source=report.source,
                subject_type=report.subject_type,
                subject_id=report.subject_id,
                subject_handle=report.subject_handle,
                subject_url=report.subject_url,
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
        return _same_or_conflict(existing, report), False
    return stored, True


def _one_statement() -> AbstractContextManager[object]:
    """In autocommit, nothing (one INSERT, one round trip); inside a transaction, a savepoint
    so that a duplicate key leaves the caller's transaction usable."""
    if transaction.get_connection().in_atomic_block:
        return transaction.atomic()
    return nullcontext()


def _same_or_conflict(existing: Report, report: ReportIn) -> Report:
    if (existing.subject_type, existing.subject_id) != (report.subject_type, report.subject_id):
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
