"""The worker keeps the audit checkpoint outside the database up to date, and stops at
tampering; it also forgets rate windows nobody looks at any more."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shieldwall.core import audit, throttle
from shieldwall.core.actors import Actor
from shieldwall.core.audit_verify import read_checkpoint
from shieldwall.core.models import JobRun, RateWindow
from tests.audit_support import tamper
from tests.worker_support import run_chores

pytestmark = pytest.mark.django_db(transaction=True)


def _until(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _run_chores() -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    chores = threading.Thread(target=run_chores, args=(stop, 0.05))
    chores.start()
    return stop, chores


def _record(actor: Actor, n: int) -> int:
    seq = 0
    for i in range(n):
        with transaction.atomic():
            seq = audit.record(actor=actor, action="test.thing", subject_id=i).seq
    return seq


def test_worker_moves_the_checkpoint_and_stops_at_tampering(actor: Actor) -> None:
    path = Path(settings.SHIELDWALL.audit_checkpoint)
    last = _record(actor, 3)
    stop, chores = _run_chores()
    try:
        assert _until(lambda: path.exists() and read_checkpoint(path=path).seq == last)  # type: ignore[union-attr]
        tamper(("DELETE FROM core_auditevent WHERE seq = %s", [last - 1]))
        _record(actor, 2)
        time.sleep(0.5)  # several rounds
        cp = read_checkpoint(path=path)
        assert cp is not None
        assert cp.seq == last  # the tampered stretch is never vouched for
        # And the job shows as failing to staff (system page, /metrics), not as a good round.
        assert _until(
            lambda: JobRun.objects.filter(
                name="audit-checkpoint", consecutive_failures__gte=1
            ).exists()
        )
    finally:
        stop.set()
        chores.join(timeout=5)


def test_worker_forgets_rate_windows_older_than_a_day() -> None:
    now = timezone.now()
    throttle.hit(key="stale", limit=5, window=timedelta(hours=1), now=now - timedelta(days=2))
    throttle.hit(key="fresh", limit=5, window=timedelta(hours=1), now=now)
    stop, chores = _run_chores()
    try:
        assert _until(lambda: not RateWindow.objects.filter(key="stale").exists())
        assert RateWindow.objects.filter(key="fresh").exists()
    finally:
        stop.set()
        chores.join(timeout=5)
