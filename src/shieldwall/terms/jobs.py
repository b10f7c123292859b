"""The terms app's background jobs for `shieldwall worker` (see core/worker.py)."""

from __future__ import annotations

from shieldwall.core.worker import Job, loop
from shieldwall.terms.sweep import IDLE_SECONDS, sweep_step

JOBS: tuple[Job, ...] = (loop("tag-sweep", sweep_step, idle=IDLE_SECONDS),)
