"""The worker's report filer: stored reports reach their cases within moments."""

from __future__ import annotations

import threading
import time

from shieldwall.cases.services import file_pending_reports
from shieldwall.cases.unresolved import file_waiting_links
from shieldwall.core.worker import loop, run_job

IDLE_SECONDS = 0.2
# How often waiting links are checked again for events that name their subject.
WAITING_LINKS_SECONDS = 5.0


class ReportFiler:
    """One round files the pending reports, and now and then the links still waiting."""

    def __init__(self, waiting: float = WAITING_LINKS_SECONDS) -> None:
        self.waiting = waiting
        self.next_waiting = time.monotonic()

    def step(self) -> int:
        """File what waits; -> how many were filed (0: the worker pauses a moment)."""
        filed = file_pending_reports()
        if time.monotonic() >= self.next_waiting:
            self.next_waiting = time.monotonic() + self.waiting
            filed += file_waiting_links()
        return filed


def run_filer(
    stop: threading.Event, idle: float = IDLE_SECONDS, waiting: float = WAITING_LINKS_SECONDS
) -> None:
    """File pending reports until `stop` is set; poll every `idle` seconds when none wait."""
    run_job(loop("filer", ReportFiler(waiting).step, idle=idle), stop)
