"""Tidepool's profile in Shieldwall: how its public links map to its ids, and its media host.

Sent on start (`serve`, `seed`) and again before the first events a process sends, so a
Shieldwall that was down at start learns it too. Reports made on Shieldwall's public page
with a Tidepool link are then filed against the post, account or hashtag it names.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from shieldwall_client import Client, ShieldwallError

log = logging.getLogger(__name__)
_lock = threading.Lock()
_registered = False


def public_host() -> str:
    """Tidepool's public host as Shieldwall keeps it: `name` or `name:port`."""
    return urlsplit(settings.PUBLIC_URL).netloc.lower()


def links() -> dict[str, list[str]]:
    """The link patterns of posts, profiles and tags, from Tidepool's own URL map."""
    return {
        "post": [reverse("post", args=["ID"]).replace("ID", "{id}")],
        "account": [reverse("profile", args=["HANDLE"]).replace("HANDLE", "{handle}")],
        "hashtag": [reverse("tag", args=["NAME"]).replace("NAME", "{name}")],
    }


def register() -> bool:
    """Send the profile to Shieldwall; False (and a warning) when it cannot be sent now."""
    global _registered
    if not settings.SHIELDWALL_URL or not settings.SHIELDWALL_API_KEY:
        return False
    host = public_host()
    try:
        # A client of its own: `serve` registers before gunicorn forks its workers, which must
        # not inherit the process's shared connection pool.
        with Client(
            settings.SHIELDWALL_URL,
            api_key=settings.SHIELDWALL_API_KEY,
            timeout=settings.SHIELDWALL_TIMEOUT,
            retries=1,
        ) as client:
            client.set_platform(hosts=[host], links=links(), media_hosts=[host])
    except ShieldwallError as exc:
        log.warning("could not register Tidepool's links with Shieldwall yet: %s", exc.code)
        return False
    with _lock:
        _registered = True
    return True


def ensure_registered() -> None:
    """Register once per process (a no-op after the first success)."""
    with _lock:
        done = _registered
    if not done:
        register()
