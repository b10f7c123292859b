"""Core's background jobs for `shieldwall worker` (see core/worker.py)."""

from __future__ import annotations

from datetime import timedelta

import structlog
from django.utils import timezone

from shieldwall.core.audit_verify import advance_checkpoint
from shieldwall.core.throttle import forget_expired
from shieldwall.core.worker import Job, periodic

log = structlog.get_logger("shieldwall.worker")
CHORE_SECONDS = 30.0


class AuditChainBroken(RuntimeError):
    """The chain no longer verifies: the round fails, so the job shows as failing on the
    system page and in /metrics until someone looks (the checkpoint never moves past it)."""


def checkpoint() -> int:
    """Move the audit log's outside checkpoint to the head; stop and shout at tampering."""
    checked = advance_checkpoint()
    if not checked.ok:
        log.error("audit.tampered", problem=checked.problem, seq=checked.seq)
        raise AuditChainBroken(f"audit chain broken at seq {checked.seq}")
    return checked.checked


def counters() -> int:
    """Drop rate windows nobody reads any more (no limit looks back further than a day)."""
    return forget_expired(older_than=timedelta(days=1), now=timezone.now())


JOBS: tuple[Job, ...] = (
    periodic("audit-checkpoint", checkpoint, every=CHORE_SECONDS),
    periodic("rate-counters", counters, every=CHORE_SECONDS),
)
