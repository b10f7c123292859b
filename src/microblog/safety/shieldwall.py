"""The one place the microblog builds its Shieldwall client, from settings."""

from __future__ import annotations

import threading

from django.conf import settings

from shieldwall_client import Client

_lock = threading.Lock()
_client: Client | None = None


def client() -> Client | None:
    """The process's client for the configured Shieldwall, or None when none is configured."""
    global _client
    if not settings.SHIELDWALL_URL or not settings.SHIELDWALL_API_KEY:
        return None
    with _lock:
        if _client is None:  # one connection pool per process, shared by its threads
            _client = Client(
                settings.SHIELDWALL_URL,
                api_key=settings.SHIELDWALL_API_KEY,
                timeout=settings.SHIELDWALL_TIMEOUT,
            )
        return _client


_check_client: Client | None = None


def check_client() -> Client | None:
    """The client for search and hashtag checks: a short timeout and one retry, because a
    page waits for it (they fail closed, see `suppression`)."""
    global _check_client
    if not settings.SHIELDWALL_URL or not settings.SHIELDWALL_API_KEY:
        return None
    with _lock:
        if _check_client is None:
            _check_client = Client(
                settings.SHIELDWALL_URL,
                api_key=settings.SHIELDWALL_API_KEY,
                timeout=settings.SUPPRESSION_TIMEOUT,
                retries=1,
                backoff=0.1,
            )
        return _check_client
