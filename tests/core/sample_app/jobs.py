"""A stand-in app's jobs: what a feature app adds to the worker is this one entry each."""

from __future__ import annotations

import threading

from shieldwall.core.worker import Job, periodic

TICKS: list[int] = []
FAILS_LEFT = [0]  # the next rounds of "sample-flaky" that fail
FLAKY_ROUNDS = [0]
SECRET = "placeholder-hash-0000"  # stands for data an error message could carry
tick_seen = threading.Event()


def tick() -> int:
    TICKS.append(1)
    tick_seen.set()
    return 1


def flaky() -> int:
    FLAKY_ROUNDS[0] += 1
    if FAILS_LEFT[0] > 0:
        FAILS_LEFT[0] -= 1
        raise RuntimeError(f"lookup failed for {SECRET}")
    return 1


JOBS: tuple[Job, ...] = (
    periodic("sample-tick", tick, every=0.05),
    periodic("sample-flaky", flaky, every=0.05),
)
