"""The worker's registry: a job is one entry in its app's jobs.py; each runs in its own
thread, keeps going when a round fails, and writes how it ran cheaply for staff to see."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from shieldwall.core import worker
from shieldwall.core.models import JobRun
from shieldwall.core.worker import LOOP, PERIODIC, Worker, collect_jobs, job_status, loop
from tests.core.sample_app import jobs as sample

pytestmark = pytest.mark.django_db(transaction=True)
SAMPLE_APP = "tests.core.sample_app"


def _until(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(autouse=True)
def _fresh_sample() -> None:
    sample.TICKS.clear()
    sample.FAILS_LEFT[0] = 0
    sample.FLAKY_ROUNDS[0] = 0
    sample.tick_seen.clear()


def test_a_periodic_job_is_one_entry_in_its_apps_jobs_module() -> None:
    jobs = collect_jobs(["shieldwall.subjects", SAMPLE_APP])  # subjects declares none
    assert [j.name for j in jobs] == ["sample-tick", "sample-flaky"]
    with Worker(jobs[:1]):
        assert _until(lambda: len(sample.TICKS) >= 3)
    row = JobRun.objects.get(name="sample-tick")
    assert row.kind == PERIODIC
    assert row.runs >= 3
    assert row.last_ok is not None
    assert row.consecutive_failures == 0


def test_the_installed_apps_declare_the_worker_jobs() -> None:
    kinds = {j.name: j.kind for j in collect_jobs()}
    assert kinds == {
        "audit-checkpoint": PERIODIC,
        "rate-counters": PERIODIC,
        "outbox": LOOP,
        "filer": LOOP,
        "scan-signals": LOOP,
        "escalate": PERIODIC,
        "compact-snapshots": PERIODIC,
        "refused-follow-up": PERIODIC,
        "tag-sweep": LOOP,
        "tag-graph": LOOP,
        "tag-suggestions": PERIODIC,
        "account-leads": PERIODIC,
    }


def test_two_jobs_of_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="sample-tick"):
        collect_jobs([SAMPLE_APP, SAMPLE_APP])


def test_a_job_needs_exactly_one_way_to_run() -> None:
    with pytest.raises(ValueError, match="step or a session"):
        loop("nothing")


def test_a_failing_round_is_recorded_and_the_job_keeps_going(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "ERROR_PAUSE", 0.05)
    sample.FAILS_LEFT[0] = 3
    flaky = collect_jobs([SAMPLE_APP])[1]
    with Worker([flaky]) as running:
        assert _until(lambda: JobRun.objects.filter(name="sample-flaky", runs__gte=2).exists())
        failing = JobRun.objects.get(name="sample-flaky")
        assert failing.consecutive_failures >= 1
        assert failing.last_ok is None
        assert running.threads[0].is_alive()
        assert _until(
            lambda: JobRun.objects.filter(name="sample-flaky", last_ok__isnull=False).exists()
        )
    row = JobRun.objects.get(name="sample-flaky")
    assert row.consecutive_failures == 0
    assert sample.FLAKY_ROUNDS[0] > 3  # it ran on after the failures
    assert row.last_error.startswith("builtins.RuntimeError")
    assert sample.SECRET not in row.last_error  # what failed and where, never the message


def test_a_failing_job_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    sample.FAILS_LEFT[0] = 10**6
    with Worker(collect_jobs([SAMPLE_APP])):
        sample.tick_seen.wait(5)
        before = len(sample.TICKS)
        assert _until(lambda: len(sample.TICKS) >= before + 3)
    statuses = {s.name: s for s in job_status(jobs=collect_jobs([SAMPLE_APP]))}
    assert statuses["sample-flaky"].failing
    assert not statuses["sample-tick"].failing


def test_the_pause_after_failures_doubles_up_to_a_cap() -> None:
    assert worker.backoff(1, 0.2) == worker.ERROR_PAUSE
    assert worker.backoff(3, 0.2) == 4 * worker.ERROR_PAUSE
    assert worker.backoff(30, 0.2) == worker.MAX_BACKOFF
    assert worker.backoff(1, 300.0) == 300.0  # never sooner than the job's own interval


def test_a_loop_writes_how_it_runs_seldom_not_every_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "LOOP_RECORD_EVERY", 0.3)
    writes: list[int] = []
    real_write = worker._Record.write

    def counted(self: worker._Record) -> None:
        writes.append(self.runs)
        real_write(self)

    monkeypatch.setattr(worker._Record, "write", counted)
    rounds = [0]

    def step() -> int:
        rounds[0] += 1
        return 0

    with Worker([loop("sample-loop", step, idle=0.005)]):
        time.sleep(1.0)
    row = JobRun.objects.get(name="sample-loop")
    assert row.runs == rounds[0]  # every round counted
    assert rounds[0] > 40
    assert len(writes) <= 6  # ~3 in a second, and one at stop
    assert row.every_seconds == 0.3


def test_a_session_holds_state_across_rounds_and_is_closed_at_stop() -> None:
    from contextlib import contextmanager

    closed = threading.Event()
    seen: list[int] = []

    @contextmanager
    def session() -> Iterator[Callable[[], int]]:
        state = {"n": 0}

        def step() -> int:
            state["n"] += 1
            seen.append(state["n"])
            return 0

        try:
            yield step
        finally:
            closed.set()

    with Worker([loop("sample-session", idle=0.01, session=session)]):
        assert _until(lambda: len(seen) >= 3)
    assert closed.is_set()
    assert seen[:3] == [1, 2, 3]


def test_a_session_that_cannot_start_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import contextmanager

    monkeypatch.setattr(worker, "ERROR_PAUSE", 0.05)
    tries, rounds = [0], [0]

    @contextmanager
    def session() -> Iterator[Callable[[], int]]:
        tries[0] += 1
        if tries[0] <= 2:
            raise ConnectionError("receiver pool could not start")

        def step() -> int:
            rounds[0] += 1
            return 0

        yield step

    with Worker([loop("sample-restart", idle=0.01, session=session)]):
        assert _until(lambda: rounds[0] >= 3)
    row = JobRun.objects.get(name="sample-restart")
    assert tries[0] == 3
    assert row.consecutive_failures == 0
    assert row.last_error.startswith("builtins.ConnectionError")


def test_a_job_that_has_not_run_in_three_intervals_is_stale() -> None:
    jobs = collect_jobs([SAMPLE_APP])
    now = timezone.now()
    JobRun.objects.create(
        name="sample-tick", kind=PERIODIC, every_seconds=0.05, last_finished=now, runs=1
    )
    JobRun.objects.create(
        name="sample-flaky",
        kind=PERIODIC,
        every_seconds=0.05,
        last_finished=now - timedelta(seconds=1),
        runs=1,
    )
    JobRun.objects.create(
        name="gone-job", kind=LOOP, every_seconds=5, last_finished=now - timedelta(hours=1)
    )
    statuses = {s.name: s for s in job_status(jobs=jobs, now=now + timedelta(seconds=0.1))}
    assert not statuses["sample-tick"].stale
    assert statuses["sample-flaky"].stale
    assert statuses["gone-job"].stale
    assert not statuses["gone-job"].registered


def test_a_job_just_taken_up_by_a_worker_is_not_stale_before_its_first_round() -> None:
    now = timezone.now()
    for name, started in (("sample-tick", now), ("sample-flaky", now - timedelta(seconds=1))):
        JobRun.objects.create(
            name=name, kind=PERIODIC, every_seconds=0.05, worker_started_at=started
        )
    # a worker restarted just now on a job whose last round was long ago
    JobRun.objects.filter(name="sample-tick").update(last_finished=now - timedelta(days=1))
    statuses = {
        s.name: s
        for s in job_status(jobs=collect_jobs([SAMPLE_APP]), now=now + timedelta(seconds=0.1))
    }
    assert not statuses["sample-tick"].stale
    assert statuses["sample-flaky"].stale  # taken up, and silent for 20 intervals since


def test_a_declared_job_that_never_ran_is_stale() -> None:
    statuses = job_status(jobs=collect_jobs([SAMPLE_APP]))
    assert [(s.name, s.stale, s.runs) for s in statuses] == [
        ("sample-flaky", True, 0),
        ("sample-tick", True, 0),
    ]


def test_the_database_away_does_not_end_a_job(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("database away")

    monkeypatch.setattr(worker._Record, "open", refuse)
    with Worker(collect_jobs([SAMPLE_APP])[:1]) as running:
        assert _until(lambda: len(sample.TICKS) >= 2)
        assert running.threads[0].is_alive()


def test_metrics_show_each_jobs_last_run_and_staleness() -> None:
    from django.test import Client

    from tests.metrics_support import parse
    from tests.metrics_support import sample as read

    jobs = collect_jobs([SAMPLE_APP])
    with Worker(jobs[:1]):
        assert _until(lambda: JobRun.objects.filter(name="sample-tick", runs__gte=1).exists())
    finished = JobRun.objects.get(name="sample-tick").last_finished
    assert finished is not None
    samples = parse(Client().get("/metrics").content.decode())
    # Installed jobs no worker took up in this test are stale; their last run is 0.
    assert read(samples, "shieldwall_worker_job_stale", job="outbox") == 1
    assert read(samples, "shieldwall_worker_job_last_run_timestamp_seconds", job="outbox") == 0
    assert read(
        samples, "shieldwall_worker_job_last_run_timestamp_seconds", job="sample-tick"
    ) == pytest.approx(finished.timestamp())
    assert read(samples, "shieldwall_collector_up", collector=_name_of_job_collector()) == 1


def _name_of_job_collector() -> str:
    from shieldwall.core.metrics import collector_name, worker_job_metrics

    return collector_name(worker_job_metrics)
