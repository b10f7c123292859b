"""The worker's report filer: stored reports reach their cases within moments."""

from __future__ import annotations

import threading

import structlog
from django.db import close_old_connections, connection

from shieldwall.cases.services import file_pending_reports

IDLE_SECONDS = 0.2


def run_filer(stop: threading.Event, idle: float = IDLE_SECONDS) -> None:
    """File pending reports until `stop` is set; poll every `idle` seconds when none wait."""
    log = structlog.get_logger(__name__)
    try:
        while not stop.is_set():
            try:
                filed = file_pending_reports()
            except Exception:  # the database may be away for a moment; keep the worker alive
                log.exception("filer.failed")
                filed = 0
            finally:
                close_old_connections()
            if not filed:
                stop.wait(idle)
    finally:
        connection.close()
