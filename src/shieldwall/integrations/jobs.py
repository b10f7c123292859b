"""The integrations app's background jobs for `shieldwall worker` (see core/worker.py)."""

from __future__ import annotations

from shieldwall.core.worker import Job, loop
from shieldwall.integrations.outbox import IDLE_POLL, dispatcher

# Leases due webhook deliveries, POSTs them, and records what the receivers answered.
JOBS: tuple[Job, ...] = (loop("outbox", idle=IDLE_POLL, session=dispatcher),)
