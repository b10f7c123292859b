"""Types shared by the HTTP edges (API routers and staff views)."""

from __future__ import annotations

from django.http import HttpRequest

from shieldwall.core.actors import Actor


class ApiRequest(HttpRequest):
    """A request that passed API-key authentication: `auth` is the calling platform."""

    auth: Actor
