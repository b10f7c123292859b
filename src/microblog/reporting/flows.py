"""The report flow's step tree, fetched from Shieldwall with the SDK and reused briefly.

Nothing of the tree is written here: steps, labels, fields and where each answer leads all
come from Shieldwall, so the microblog renders a changed tree without a change of its own.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

from microblog.safety import shieldwall
from shieldwall_client import ReportFlow, ShieldwallUnavailable

log = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[tuple[str, bool], tuple[float, ReportFlow]] = {}


class FlowUnavailable(Exception):
    """Shieldwall could not give the tree, and none was fetched before."""


def report_flow(subject: str, has_media: bool) -> ReportFlow:
    """The tree for a post (with or without media) or an account, at most a TTL old.

    When Shieldwall cannot be reached, the last tree fetched is used rather than nothing.
    """
    key = (subject, has_media)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is not None and now - cached[0] < settings.REPORT_FLOW_TTL:
        return cached[1]
    client = shieldwall.client()
    if client is None:
        log.error("no Shieldwall configured (SHIELDWALL_URL, SHIELDWALL_API_KEY): no reports")
        raise FlowUnavailable("reporting is not configured")
    try:
        flow = client.report_flow(subject, has_media=has_media)
    except ShieldwallUnavailable as exc:
        if cached is not None:
            log.warning("report flow: Shieldwall unavailable (%s), using the last tree", exc.code)
            return cached[1]
        raise FlowUnavailable(str(exc)) from exc
    with _lock:
        _cache[key] = (now, flow)
    return flow


def forget() -> None:
    """Drop the cached trees (tests, and after a configuration change)."""
    with _lock:
        _cache.clear()
