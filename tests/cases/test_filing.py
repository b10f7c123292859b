"""Intake stores reports; the worker's filer puts them into cases, in audited batches."""

import threading
import time

import pytest

from shieldwall.cases import services as cases
from shieldwall.cases.filer import run_filer
from shieldwall.cases.models import Case, CaseReport
from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.reports.models import Report
from shieldwall.reports.services import ReportIn, submit_report
from tests.cases.test_cases import CSE, SPAM


def _submit(actor: Actor, post: str, key: str, path=CSE) -> Report:  # type: ignore[no-untyped-def]
    stored, created = submit_report(
        report=ReportIn(
            idempotency_key=key,
            subject_type="post",
            subject_id=post,
            has_media=True,
            path=list(path),
            fields={},
            reporter_id=key,
        ),
        actor=actor,
    )
    assert created
    return stored


@pytest.mark.django_db
def test_a_batch_is_filed_once_and_audited_once(actor: Actor) -> None:
    for n in range(5):
        _submit(actor, f"p{n % 2}", f"k{n}", CSE if n % 2 else SPAM)
    assert not CaseReport.objects.exists()  # intake only stores
    assert cases.file_pending_reports() == 5
    assert cases.file_pending_reports() == 0
    assert Report.objects.filter(filed_at__isnull=True).count() == 0
    assert Case.objects.count() == 2
    assert sorted(Case.objects.values_list("report_count", flat=True)) == [2, 3]
    batch = AuditEvent.objects.get(action="reports.filed")
    assert batch.data["count"] == 5
    assert AuditEvent.objects.filter(action="case.open").count() == 2


@pytest.mark.django_db
def test_a_report_that_fails_to_file_does_not_hold_up_the_others(
    actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = _submit(actor, "p-bad", "k-bad")
    _submit(actor, "p-good", "k-good")
    real = cases.file_report

    def flaky(report: Report):  # type: ignore[no-untyped-def]
        if report.pk == bad.pk:
            raise RuntimeError("database hiccup")
        return real(report)

    monkeypatch.setattr(cases, "file_report", flaky)
    assert cases.file_pending_reports() == 1
    assert list(Report.objects.filter(filed_at__isnull=True)) == [bad]
    monkeypatch.setattr(cases, "file_report", real)
    assert cases.file_pending_reports() == 1  # the next round files it


@pytest.mark.django_db(transaction=True)
def test_the_worker_filer_files_reports_within_moments(actor: Actor) -> None:
    stop = threading.Event()
    filer = threading.Thread(target=run_filer, args=(stop, 0.05))
    filer.start()
    try:
        report = _submit(actor, "p1", "k1")
        deadline = time.monotonic() + 10
        while not CaseReport.objects.filter(report=report).exists():
            assert time.monotonic() < deadline, "the filer never filed the report"
            time.sleep(0.05)
    finally:
        stop.set()
        filer.join(timeout=5)
    assert Case.objects.get().tier == 1


@pytest.mark.django_db
def test_cse_reports_are_filed_before_a_flood_of_others(actor: Actor) -> None:
    for n in range(5):
        _submit(actor, f"spam-{n}", f"s{n}", SPAM)
    cse = _submit(actor, "p-cse", "k-cse")
    assert cases.file_pending_reports(limit=1) == 1
    assert CaseReport.objects.get().report == cse
