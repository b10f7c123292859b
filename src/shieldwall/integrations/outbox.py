"""The outbox dispatcher run by `shieldwall worker` (filled in by the integrations work)."""

from __future__ import annotations

import threading


def run_dispatcher(stop: threading.Event) -> None:
    """Deliver pending webhooks until `stop` is set."""
    stop.wait()
