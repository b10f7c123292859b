"""Shared rate windows: exact counts across threads and connections, windows that end."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from shieldwall.core import throttle

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
pytestmark = pytest.mark.django_db


def test_hits_are_counted_and_the_window_ends() -> None:
    counts = [throttle.hit(key="k", limit=10, window=HOUR, now=NOW).hits for _ in range(3)]
    assert counts == [1, 2, 3]
    assert throttle.current(key="k", window=HOUR, now=NOW).hits == 3
    later = NOW + HOUR + timedelta(seconds=1)
    assert throttle.current(key="k", window=HOUR, now=later).hits == 0
    assert throttle.hit(key="k", limit=10, window=HOUR, now=later).hits == 1
    assert throttle.hit(key="other", limit=10, window=HOUR, now=NOW).hits == 1


def test_reaching_the_limit_starts_a_whole_window() -> None:
    throttle.hit(key="k", limit=3, window=HOUR, now=NOW)
    throttle.hit(key="k", limit=3, window=HOUR, now=NOW + timedelta(minutes=30))
    third = throttle.hit(key="k", limit=3, window=HOUR, now=NOW + timedelta(minutes=50))
    assert third.hits == 3
    assert third.until == NOW + timedelta(minutes=50) + HOUR
    # Still counted after the first hit's hour is over, until the new window ends.
    fourth = throttle.hit(key="k", limit=3, window=HOUR, now=NOW + timedelta(minutes=70))
    assert (fourth.hits, fourth.until) == (4, third.until)


def test_forget_expired_windows() -> None:
    throttle.hit(key="old", limit=5, window=HOUR, now=NOW - timedelta(days=2))
    throttle.hit(key="new", limit=5, window=HOUR, now=NOW)
    assert throttle.forget_expired(older_than=timedelta(days=1), now=NOW) == 1
    assert throttle.current(key="new", window=HOUR, now=NOW).hits == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_from_many_connections_are_each_counted_once() -> None:
    seen: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(15):
                n = throttle.hit(key="shared", limit=1000, window=HOUR, now=NOW).hits
                with lock:
                    seen.append(n)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Every hit got a distinct count: none was lost to a read-then-write race.
    assert sorted(seen) == list(range(1, 91))
