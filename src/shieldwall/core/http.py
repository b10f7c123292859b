"""Types shared by the HTTP edges (API routers and staff views)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Schema
from pydantic import Field

from shieldwall.core.actors import Actor


class ApiRequest(HttpRequest):
    """A request that passed API-key authentication: `auth` is the calling platform."""

    auth: Actor


class ErrorDetailOut(Schema):
    code: str = Field(description="stable, for programs: `too_large`, `invalid_request`, ...")
    message: str = Field(description="for people: what was refused and what to do")
    field: str | None = Field(
        default=None, description="the refused field's path, such as `events.3.data.post_id`"
    )


class ErrorOut(Schema):
    """Every API error: `{"error": {"code", "message", "field"}}`."""

    error: ErrorDetailOut
