"""The desk's and the outbox's figures at /metrics, computed from the database at scrape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shieldwall.cases import services as cases
from shieldwall.cases.models import Case, CaseState
from shieldwall.core.actors import Actor
from shieldwall.integrations import services as integrations
from shieldwall.integrations.models import Delivery, DeliveryStatus
from shieldwall.matching.models import ScanSignal, ScanSignalKind
from shieldwall.reports.models import Report
from shieldwall.reports.services import ReportIn, submit_report
from tests.cases.test_cases import CSE, NCII_ME, SPAM
from tests.metrics_support import Samples, parse, sample

pytestmark = pytest.mark.django_db

HOUR = 3600.0
SLACK = 120.0  # seconds a slow machine may take between seeding and scraping


def _scrape() -> Samples:
    r = Client().get("/metrics")
    assert r.status_code == 200
    return parse(r.content.decode())


def _submit(actor: Actor, post: str, path: list[tuple[str, str]]) -> Report:
    stored, _ = submit_report(
        report=ReportIn(
            idempotency_key=f"{post}-key",
            subject_type="post",
            subject_id=post,
            has_media=True,
            path=list(path),
            fields={},
            reporter_id="u1",
        ),
        actor=actor,
    )
    return stored


def _case(actor: Actor, post: str, path: list[tuple[str, str]], *, age_hours: float) -> Case:
    """A case filed from one report, opened `age_hours` ago."""
    stored = _submit(actor, post, path)
    cases.file_pending_reports()
    case = Case.objects.get(case_reports__report=stored)
    opened = timezone.now() - timedelta(hours=age_hours)
    Case.objects.filter(pk=case.pk).update(opened_at=opened)
    return case


def _about(value: float, expected: float) -> bool:
    return expected <= value <= expected + SLACK


def test_an_empty_desk_reads_zero_everywhere() -> None:
    samples = _scrape()
    for tier in ("cse", "ncii", "other"):
        assert sample(samples, "shieldwall_cases_open", tier=tier) == 0
        assert sample(samples, "shieldwall_cases_oldest_open_age_seconds", tier=tier) == 0
        assert sample(samples, "shieldwall_cases_overdue", tier=tier) == 0
    assert sample(samples, "shieldwall_filer_lag_seconds", queue="reports") == 0
    assert sample(samples, "shieldwall_outbox_pending") == 0
    assert sample(samples, "shieldwall_outbox_dead") == 0


def test_open_cases_are_counted_per_tier_with_the_oldest_age(actor: Actor) -> None:
    _case(actor, "p1", CSE, age_hours=3)
    _case(actor, "p2", CSE, age_hours=1)
    _case(actor, "p3", NCII_ME, age_hours=2)
    closed = _case(actor, "p4", SPAM, age_hours=50)
    Case.objects.filter(pk=closed.pk).update(state=CaseState.CLOSED, closed_at=timezone.now())
    samples = _scrape()
    assert sample(samples, "shieldwall_cases_open", tier="cse") == 2
    assert sample(samples, "shieldwall_cases_open", tier="ncii") == 1
    assert sample(samples, "shieldwall_cases_open", tier="other") == 0
    assert _about(sample(samples, "shieldwall_cases_oldest_open_age_seconds", tier="cse"), 3 * HOUR)
    assert _about(
        sample(samples, "shieldwall_cases_oldest_open_age_seconds", tier="ncii"), 2 * HOUR
    )
    assert sample(samples, "shieldwall_cases_oldest_open_age_seconds", tier="other") == 0


def test_acknowledged_and_escalated_cases_are_still_open(actor: Actor) -> None:
    a = _case(actor, "p1", SPAM, age_hours=1)
    b = _case(actor, "p2", SPAM, age_hours=1)
    Case.objects.filter(pk=a.pk).update(state=CaseState.ACKNOWLEDGED)
    Case.objects.filter(pk=b.pk).update(state=CaseState.ESCALATED)
    assert sample(_scrape(), "shieldwall_cases_open", tier="other") == 2


def test_cases_past_their_deadline_are_counted_per_tier(actor: Actor) -> None:
    late = _case(actor, "p1", CSE, age_hours=2)
    _case(actor, "p2", CSE, age_hours=0)
    closed = _case(actor, "p3", NCII_ME, age_hours=20)
    past = timezone.now() - timedelta(minutes=5)
    Case.objects.filter(pk=late.pk).update(deadline_at=past)
    Case.objects.filter(pk=closed.pk).update(deadline_at=past, state=CaseState.CLOSED)
    samples = _scrape()
    assert sample(samples, "shieldwall_cases_overdue", tier="cse") == 1
    assert sample(samples, "shieldwall_cases_overdue", tier="ncii") == 0


def test_filer_lag_is_the_age_of_the_oldest_report_not_filed(actor: Actor) -> None:
    _case(actor, "p0", SPAM, age_hours=9)  # filed: not lag, however old
    older = _submit(actor, "p1", SPAM)
    _submit(actor, "p2", CSE)
    Report.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    lag = sample(_scrape(), "shieldwall_filer_lag_seconds", queue="reports")
    assert _about(lag, 30 * 60)
    cases.file_pending_reports()
    assert sample(_scrape(), "shieldwall_filer_lag_seconds", queue="reports") == 0


def test_filer_lag_of_scan_signals(actor: Actor) -> None:
    ScanSignal.objects.create(
        kind=ScanSignalKind.BLOCKED,
        media_id="m1",
        account_id="a1",
        created_at=timezone.now() - timedelta(minutes=10),
    )
    lag = sample(_scrape(), "shieldwall_filer_lag_seconds", queue="scan_signals")
    assert _about(lag, 10 * 60)


def test_the_outbox_backlog_and_dead_letters(actor: Actor) -> None:
    integrations.add_endpoint(url="https://a.example.test/hook", actor=actor)
    integrations.add_endpoint(url="https://b.example.test/hook", actor=actor)
    for post in ("p1", "p2"):
        integrations.issue_action(
            kind="remove_post", subject_id=post, reason="csam_hash_match", actor=actor
        )
    first, *_ = Delivery.objects.order_by("id")
    Delivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.DEAD)
    due = timezone.now() - timedelta(minutes=7)
    Delivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=due)
    samples = _scrape()
    assert sample(samples, "shieldwall_outbox_pending") == 3
    assert sample(samples, "shieldwall_outbox_dead") == 1
    assert _about(sample(samples, "shieldwall_outbox_oldest_due_age_seconds"), 7 * 60)


def test_a_delivery_waiting_for_its_retry_is_backlog_but_not_yet_due(actor: Actor) -> None:
    integrations.add_endpoint(url="https://a.example.test/hook", actor=actor)
    integrations.issue_action(
        kind="remove_post", subject_id="p1", reason="csam_hash_match", actor=actor
    )
    later = timezone.now() + timedelta(minutes=5)
    Delivery.objects.update(next_attempt_at=later)
    samples = _scrape()
    assert sample(samples, "shieldwall_outbox_pending") == 1
    assert sample(samples, "shieldwall_outbox_oldest_due_age_seconds") == 0
