"""The worker's report filer: stored reports reach their cases within moments."""

from __future__ import annotations

import threading
import time

import structlog
from django.db import close_old_connections, connection

from shieldwall.cases.services import file_pending_reports
from shieldwall.cases.unresolved import file_waiting_links

IDLE_SECONDS = 0.2
# How often waiting links are checked again for events that name their subject.
WAITING_LINKS_SECONDS = 5.0


def run_filer(
    stop: threading.Event, idle: float = IDLE_SECONDS, waiting: float = WAITING_LINKS_SECONDS
) -> None:
    """File pending reports until `stop` is set; poll every `idle` seconds when none wait."""
    log = structlog.get_logger(__name__)
    next_waiting = time.monotonic()
    try:
        while not stop.is_set():
            try:
                filed = file_pending_reports()
                if time.monotonic() >= next_waiting:
                    next_waiting = time.monotonic() + waiting
                    filed += file_waiting_links()
            except Exception:  # the database may be away for a moment; keep the worker alive
                log.exception("filer.failed")
                filed = 0
            finally:
                close_old_connections()
            if not filed:
                stop.wait(idle)
    finally:
        connection.close()
