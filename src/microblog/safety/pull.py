"""The pull fallback: read Shieldwall's action list from where we left off, apply, acknowledge."""

from __future__ import annotations

import logging
import time

from microblog.safety import shieldwall
from microblog.safety.actions import IGNORED, apply_action
from microblog.safety.models import PullCursor
from shieldwall_client import ShieldwallUnavailable

log = logging.getLogger(__name__)


def pull_once(*, limit: int = 100) -> int:
    """Apply every action published since the last pull; return how many were read."""
    client = shieldwall.client()
    if client is None:
        raise RuntimeError("set SHIELDWALL_URL and SHIELDWALL_API_KEY to pull actions")
    cursor, _ = PullCursor.objects.get_or_create(name="actions")
    read = 0
    while True:
        page = client.actions(after=cursor.after or None, limit=limit)
        for action in page.actions:
            try:
                outcome = apply_action(action, via="pull")
            except Exception as exc:  # acknowledge the failure; Shieldwall shows it to staff
                log.exception("applying action %s failed", action.id)
                client.ack(action.id, "failed", type(exc).__name__)
                continue
            # A duplicate is acknowledged again: an earlier ack may have been lost on the way.
            if outcome.status == IGNORED:
                client.ack(action.id, "ignored", outcome.detail)
            else:
                client.ack(action.id, "applied", outcome.detail)
        read += len(page.actions)
        if page.next and page.next != cursor.after:
            cursor.after = page.next
            cursor.save(update_fields=["after"])
        if not page.actions or len(page.actions) < limit:
            return read


def pull_forever(*, interval: float = 5.0) -> None:
    """Pull every few seconds until interrupted."""
    while True:
        try:
            n = pull_once()
            if n:
                log.info("pulled %d actions", n)
        except ShieldwallUnavailable:
            log.warning("Shieldwall unreachable; pulling again in %.0f s", interval)
        time.sleep(interval)
