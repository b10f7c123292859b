"""Where a report stands is written by the reports services alone, with their rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shieldwall.core.actors import Actor
from shieldwall.reports.models import Report, ReportStatus
from shieldwall.reports.services import (
    ReportIn,
    mark_decided,
    mark_filed,
    mark_in_review,
    submit_report,
)

pytestmark = pytest.mark.django_db

SPAM = [
    ("report_post", "start"),
    ("who_affected", "everyone"),
    ("what_happening", "spam"),
    ("review", "submit"),
]


def _stored(actor: Actor, key: str = "k1") -> Report:
    report, _ = submit_report(
        report=ReportIn(
            idempotency_key=key,
            subject_type="post",
            subject_id="p1",
            has_media=False,
            path=list(SPAM),
            fields={},
            reporter_id="u1",
        ),
        actor=actor,
    )
    return report


def test_a_report_keeps_the_time_it_was_first_filed(actor: Actor) -> None:
    report = _stored(actor)
    first = timezone.now() - timedelta(minutes=5)
    assert mark_filed(Report.objects.filter(pk=report.pk), at=first) == 1
    assert mark_filed(Report.objects.filter(pk=report.pk), at=timezone.now()) == 0
    report.refresh_from_db()
    assert report.filed_at == first


def test_deciding_and_reopening_move_the_status(actor: Actor) -> None:
    report = _stored(actor)
    at = timezone.now()
    mark_decided(Report.objects.filter(pk=report.pk), status=ReportStatus.ACTIONED, at=at)
    report.refresh_from_db()
    assert (report.status, report.decided_at) == (ReportStatus.ACTIONED, at)
    mark_in_review(Report.objects.filter(pk=report.pk))
    report.refresh_from_db()
    assert (report.status, report.decided_at) == (ReportStatus.IN_REVIEW, None)


def test_a_status_that_is_no_decision_is_refused(actor: Actor) -> None:
    report = _stored(actor)
    with pytest.raises(ValueError, match="in_review"):
        mark_decided(
            Report.objects.filter(pk=report.pk), status=ReportStatus.IN_REVIEW, at=timezone.now()
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED
