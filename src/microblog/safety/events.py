"""Events to Shieldwall through an outbox: written with the change, sent in batches after.

Sending fails soft: a page never waits on Shieldwall, and events that cannot be sent stay
in the outbox for the next attempt. Shieldwall ignores an event id it has seen, so sending
one twice (two processes flushing at once, a lost answer) is harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.db import close_old_connections, transaction

from microblog.safety import platform, shieldwall
from microblog.safety.models import PendingEvent
from shieldwall_client import ShieldwallError, ShieldwallUnavailable
from shieldwall_client.events import Event

log = logging.getLogger(__name__)
BATCH = 500
_BACKOFF_MAX = 60.0


def enqueue(events: Iterable[Event]) -> None:
    """Store events in the caller's transaction; the sender is woken once it commits."""
    rows = [PendingEvent(event_id=e.id, payload=e.to_json()) for e in events]
    if not rows:
        return
    PendingEvent.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(sender.wake)


def _coalesce(rows: list[PendingEvent]) -> tuple[list[PendingEvent], list[PendingEvent]]:
    """Keep only the newest `post.metrics` of each post (counts are cumulative)."""
    newest: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row.payload.get("type") == "post.metrics":
            newest[str(row.payload["data"]["post_id"])] = i
    keep, drop = [], []
    for i, row in enumerate(rows):
        is_metrics = row.payload.get("type") == "post.metrics"
        if is_metrics and newest[str(row.payload["data"]["post_id"])] != i:
            drop.append(row)
        else:
            keep.append(row)
    return keep, drop


def _event(payload: dict[str, Any]) -> Event:
    return Event(
        type=payload["type"],
        data=payload["data"],
        id=payload["id"],
        occurred_at=payload["occurred_at"],
    )


def flush() -> int:
    """Send what the outbox holds, batch by batch; return how many events left it.

    Raises ShieldwallUnavailable when Shieldwall cannot be reached (the events stay).
    """
    client = shieldwall.client()
    if client is None:
        return 0
    platform.ensure_registered()
    sent = 0
    while True:
        rows = list(PendingEvent.objects.order_by("id")[:BATCH])
        if not rows:
            return sent
        keep, _drop = _coalesce(rows)
        try:
            client.send_events([_event(r.payload) for r in keep])
        except ShieldwallUnavailable:
            raise
        except ShieldwallError as exc:
            if exc.status not in (400, 413, 422):
                raise
            # One invalid event refuses its batch: send one by one, dropping the bad ones.
            for row in keep:
                try:
                    client.send_events([_event(row.payload)])
                except ShieldwallUnavailable:
                    raise
                except ShieldwallError as one:
                    if one.status not in (400, 413, 422):
                        raise
                    log.warning("event %s refused by Shieldwall: %s", row.event_id, one.code)
                PendingEvent.objects.filter(pk=row.pk).delete()
                sent += 1
        else:
            sent += len(keep)
        PendingEvent.objects.filter(pk__in=[r.pk for r in rows]).delete()


class _Sender:
    """A background thread per process that flushes the outbox soon after it is woken."""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.paused = False

    def wake(self) -> None:
        """Ask for a flush soon; starts the thread on first use (not while paused)."""
        if self.paused:
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="events", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        delay = 1.0
        while True:
            self._wake.wait(timeout=30)
            self._wake.clear()
            self._wake.wait(timeout=0.3)  # gather the events of a burst into one batch
            try:
                close_old_connections()
                flush()
                delay = 1.0
            except ShieldwallUnavailable:
                log.warning("Shieldwall unreachable; events kept, retrying in %.0f s", delay)
                time.sleep(delay)
                delay = min(delay * 2, _BACKOFF_MAX)
                self._wake.set()
            except ShieldwallError as exc:
                log.warning("Shieldwall refused events (%s); kept for a later attempt", exc.code)
                time.sleep(delay)
                delay = min(delay * 2, _BACKOFF_MAX)
            except Exception:  # never let the sender die: events must not break posting
                log.exception("sending events failed; they stay in the outbox")
                time.sleep(delay)
                delay = min(delay * 2, _BACKOFF_MAX)
            finally:
                close_old_connections()


sender = _Sender()
