"""The cases app's background jobs for `shieldwall worker` (see core/worker.py)."""

from __future__ import annotations

import structlog

from shieldwall.cases import scan_signals
from shieldwall.cases.filer import IDLE_SECONDS, ReportFiler
from shieldwall.cases.followup import follow_up_refused
from shieldwall.cases.services import escalate_due
from shieldwall.core.worker import Job, loop, periodic

log = structlog.get_logger("shieldwall.worker")
CHORE_SECONDS = 30.0


def escalate() -> int:
    """Escalate open cases near their review deadline, so a lead sees them in time."""
    if escalated := escalate_due():
        log.info("cases.escalated_near_deadline", count=escalated)
    return escalated


def follow_up() -> int:
    """Bring back to the desk the decisions the platform did not apply."""
    if reopened := follow_up_refused():
        log.warning("cases.platform_refused", count=reopened)
    return reopened


JOBS: tuple[Job, ...] = (
    loop("filer", ReportFiler().step, idle=IDLE_SECONDS),
    loop("scan-signals", scan_signals.file_scan_signals, idle=scan_signals.IDLE_SECONDS),
    periodic("escalate", escalate, every=CHORE_SECONDS),
    periodic("refused-follow-up", follow_up, every=CHORE_SECONDS),
)
