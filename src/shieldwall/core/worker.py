"""`shieldwall worker`'s registry: each app declares its background jobs, core runs them.

An app lists its jobs in `<app>/jobs.py` as `JOBS = (...)`; the worker collects them from
INSTALLED_APPS by name (core imports no feature app). Two kinds:

- a *loop* runs round after round, pausing `every` seconds when a round found nothing to do
  (the outbox dispatcher, the filers);
- a *periodic* job runs one round every `every` seconds (escalation, audit checkpoint, ...).

Each job gets its own thread with the same handling: a round that raises is logged and the
job keeps going after a back-off; `close_old_connections()` follows every periodic round
and every failed one (a busy loop's other rounds, every few seconds); the thread's
connection is closed when it stops. How each job last ran is written to `JobRun`
(one UPDATE per periodic round, at most one every few seconds for a loop) for the staff
page and /metrics (`job_status`).
"""

from __future__ import annotations

import importlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Literal

import structlog
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import F
from django.utils import timezone

from shieldwall.core.actors import Actor, require
from shieldwall.core.models import JobRun
from shieldwall.core.permissions import VIEW_SYSTEM

log = structlog.get_logger("shieldwall.worker")

LOOP: Literal["loop"] = "loop"
PERIODIC: Literal["periodic"] = "periodic"
JobKind = Literal["loop", "periodic"]
Step = Callable[[], int | None]  # one round -> how much it did (0 or None: nothing to do)

ERROR_PAUSE = 1.0  # the first pause after a failed round; doubles with each failure after
MAX_BACKOFF = 60.0
LOOP_RECORD_EVERY = 5.0  # a loop writes how it runs at most this often
# A loop drops an aged or broken connection after a failed round, else at most this often:
# reconnecting every round (SQLite's CONN_MAX_AGE is 0) would cost a busy outbox 60%.
LOOP_TIDY_EVERY = 5.0
STALE_AFTER = 3  # a job is stale when it has not run in this many intervals
JOIN_TIMEOUT = 10.0
MAX_ERROR = 300


@dataclass(frozen=True)
class Job:
    """One background job: its name, kind, interval, and what one round does.

    `step` runs one round. A loop that keeps state across rounds (a pool of requests in
    flight, say) gives `session` instead: a context manager yielding its step, entered when
    the thread starts and left when it stops."""

    name: str
    kind: JobKind
    every: float
    step: Step | None = None
    session: Callable[[], AbstractContextManager[Step]] | None = None

    def __post_init__(self) -> None:
        if (self.step is None) == (self.session is None):
            raise ValueError(f"job {self.name!r} needs a step or a session (one of them)")
        if self.every <= 0:
            raise ValueError(f"job {self.name!r} needs a positive interval")

    @property
    def record_every(self) -> float:
        """How often this job's run is written down (and so how soon it looks stale)."""
        return self.every if self.kind == PERIODIC else max(self.every, LOOP_RECORD_EVERY)


def loop(
    name: str,
    step: Step | None = None,
    *,
    idle: float = 0.2,
    session: Callable[[], AbstractContextManager[Step]] | None = None,
) -> Job:
    """A job that runs continuously, pausing `idle` seconds when a round did nothing."""
    return Job(name=name, kind=LOOP, every=idle, step=step, session=session)


def periodic(name: str, step: Step, *, every: float = 30.0) -> Job:
    """A job that runs one round every `every` seconds (the first after one interval)."""
    return Job(name=name, kind=PERIODIC, every=every, step=step)


def collect_jobs(app_names: Iterable[str] | None = None) -> tuple[Job, ...]:
    """The JOBS of every installed app's `jobs` module, in INSTALLED_APPS order."""
    if app_names is None:
        from django.apps import apps

        app_names = [config.name for config in apps.get_app_configs()]
    jobs: list[Job] = []
    for app in app_names:
        module_name = f"{app}.jobs"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise  # the module exists but imports something missing: a real error
            continue
        jobs.extend(module.JOBS)
    names = [job.name for job in jobs]
    if dupes := sorted({n for n in names if names.count(n) > 1}):
        raise ValueError(f"two jobs share a name: {', '.join(dupes)}")
    return tuple(jobs)


def error_summary(exc: BaseException) -> str:
    """What failed and where, without the message (it may hold data: a hash, a key)."""
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if "/shieldwall/" in filename:
            where = f" at shieldwall/{filename.rsplit('/shieldwall/', 1)[1]}:{tb.tb_lineno}"
        tb = tb.tb_next
    return f"{type(exc).__module__}.{type(exc).__qualname__}{where}"[:MAX_ERROR]


def backoff(failures: int, every: float) -> float:
    """The pause after `failures` failed rounds in a row: never shorter than the interval."""
    return max(every, min(MAX_BACKOFF, ERROR_PAUSE * 2 ** max(failures - 1, 0)))


@dataclass
class _Record:
    """How a job has run since its row was last written; written cheaply, in one UPDATE."""

    job: Job
    runs: int = 0
    failures: int = 0
    last_started: datetime | None = None
    last_finished: datetime | None = None
    last_ok: datetime | None = None
    last_error: str | None = None  # None: unchanged since the last write
    written_at: float = field(default_factory=time.monotonic)

    def open(self) -> None:
        """Create or take over the job's row for this process."""
        JobRun.objects.update_or_create(
            name=self.job.name,
            defaults={
                "kind": self.job.kind,
                "every_seconds": self.job.record_every,
                "host": socket.gethostname()[:200],
                "pid": os.getpid(),
                "worker_started_at": timezone.now(),
            },
        )

    def round(self, started: datetime, error: str | None) -> None:
        """Note one round; write it down when due (every periodic round, loops seldom)."""
        self.runs += 1
        self.last_started, self.last_finished = started, timezone.now()
        if error is None:
            self.failures, self.last_ok = 0, self.last_finished
        else:
            self.failures += 1
            self.last_error = error
        due = time.monotonic() - self.written_at >= self.job.record_every
        if self.job.kind == PERIODIC or due:
            self.write()

    def write(self) -> None:
        """One UPDATE of the job's row; a failed write is kept for the next one."""
        if not self.runs:
            return
        values: dict[str, object] = {
            "runs": F("runs") + self.runs,
            "consecutive_failures": self.failures,
            "last_started": self.last_started,
            "last_finished": self.last_finished,
        }
        if self.last_ok is not None:
            values["last_ok"] = self.last_ok
        if self.last_error is not None:
            values["last_error"] = self.last_error
        try:
            JobRun.objects.filter(name=self.job.name).update(**values)
        except DatabaseError as exc:
            log.warning("worker.record_failed", job=self.job.name, error=type(exc).__name__)
            return
        self.runs, self.last_ok, self.last_error = 0, None, None
        self.written_at = time.monotonic()


def run_job(job: Job, stop: threading.Event) -> None:
    """Run `job` in this thread until `stop` is set (a thread's target)."""
    record = _Record(job)
    try:
        _opened(record)
        if job.kind == PERIODIC and stop.wait(job.every):
            return
        while not stop.is_set():
            try:
                with _steps(job) as step:
                    _rounds(job, step, record, stop)
            except Exception as exc:  # a session that cannot start (or end): try it again
                log.exception("worker.job_failed", job=job.name, kind=job.kind)
                record.round(timezone.now(), error_summary(exc))
                close_old_connections()
                stop.wait(backoff(record.failures, job.every))
    finally:
        record.write()
        connection.close()  # this thread's own connection


def _rounds(job: Job, step: Step, record: _Record, stop: threading.Event) -> None:
    """Round after round until `stop`; a round that raises is noted and waited out."""
    tidied = time.monotonic()
    while not stop.is_set():
        started, error, did = timezone.now(), None, 0
        try:
            did = step() or 0
        except Exception as exc:  # keep the worker alive; the job tries again later
            log.exception("worker.job_failed", job=job.name, kind=job.kind)
            error = error_summary(exc)
        if job.kind == PERIODIC or error or time.monotonic() - tidied >= LOOP_TIDY_EVERY:
            close_old_connections()
            tidied = time.monotonic()
        record.round(started, error)
        if error is not None:
            stop.wait(backoff(record.failures, job.every))
        elif job.kind == PERIODIC or not did:
            stop.wait(job.every)


def _opened(record: _Record) -> None:
    try:
        record.open()
    except DatabaseError as exc:  # the job runs anyway; its row is written when it can be
        log.warning("worker.record_failed", job=record.job.name, error=type(exc).__name__)
    finally:
        close_old_connections()


@contextmanager
def _steps(job: Job) -> Iterator[Step]:
    if job.session is not None:
        with job.session() as step:
            yield step
    else:
        assert job.step is not None  # __post_init__ holds one of them
        yield job.step


class Worker:
    """The threads of a set of jobs, started together and stopped and joined together."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self.jobs = tuple(jobs)
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> Worker:
        for job in self.jobs:
            thread = threading.Thread(
                target=run_job, args=(job, self.stop), name=f"job-{job.name}", daemon=True
            )
            thread.start()
            self.threads.append(thread)
        log.info("worker.jobs_started", jobs=[job.name for job in self.jobs])
        return self

    def shutdown(self, timeout: float = JOIN_TIMEOUT) -> None:
        """Stop every job and wait for each, at most `timeout` seconds in all."""
        self.stop.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if alive := [t.name for t in self.threads if t.is_alive()]:
            log.warning("worker.jobs_still_running", threads=alive)

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()


@dataclass(frozen=True)
class JobStatus:
    """How one job last ran, as staff and /metrics see it."""

    name: str
    kind: str
    every_seconds: float
    registered: bool  # declared by an installed app (else a row left by an older version)
    last_started: datetime | None = None
    last_finished: datetime | None = None
    last_ok: datetime | None = None
    last_error: str = ""
    consecutive_failures: int = 0
    runs: int = 0
    host: str = ""
    pid: int | None = None
    stale: bool = True

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0


def job_status(
    *, jobs: Sequence[Job] | None = None, now: datetime | None = None
) -> list[JobStatus]:
    """Every job the apps declare, and any job with a row, with how it last ran.

    A job is stale when it has not finished a round in STALE_AFTER times its recording
    interval since its last round, or since a worker took it up: its worker is down, stuck,
    or not running it. A declared job no worker ever took up is stale too."""
    declared = {job.name: job for job in (collect_jobs() if jobs is None else jobs)}
    now = now or timezone.now()
    rows = {row.name: row for row in JobRun.objects.all()}
    out = []
    for name in sorted(declared.keys() | rows.keys()):
        job, row = declared.get(name), rows.get(name)
        every = job.record_every if job else float(row.every_seconds if row else 0)
        if row is None:
            assert job is not None
            out.append(JobStatus(name=name, kind=job.kind, every_seconds=every, registered=True))
            continue
        limit, quiet = timedelta(seconds=STALE_AFTER * every), _quiet_since(row)
        out.append(
            JobStatus(
                name=name,
                kind=row.kind,
                every_seconds=every,
                registered=job is not None,
                last_started=row.last_started,
                last_finished=row.last_finished,
                last_ok=row.last_ok,
                last_error=row.last_error,
                consecutive_failures=row.consecutive_failures,
                runs=row.runs,
                host=row.host,
                pid=row.pid,
                stale=quiet is None or now - quiet > limit,
            )
        )
    return out


def _quiet_since(row: JobRun) -> datetime | None:
    """Since when the job has not been heard of: its last round or its worker's start."""
    heard = [t for t in (row.last_finished, row.worker_started_at) if t is not None]
    return max(heard) if heard else None


def system_page(*, actor: Actor) -> list[JobStatus]:
    """The worker's jobs for the staff page (admins and leads)."""
    require(actor, VIEW_SYSTEM)
    return job_status()
