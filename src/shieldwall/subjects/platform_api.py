"""HTTP edge of the platform profile: GET and PUT /platform (its links and media hosts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Router, Schema
from pydantic import Field

from shieldwall.core.errors import NotFound
from shieldwall.core.http import ApiRequest, ErrorOut
from shieldwall.subjects import profile as profiles

router = Router(tags=["platform"])


class LinksIn(Schema):
    post: list[str] = Field(default=[], description="e.g. `/p/{id}`")
    account: list[str] = Field(default=[], description="e.g. `/@{handle}` or `/users/{id}`")
    hashtag: list[str] = Field(default=[], description="e.g. `/tag/{name}`")


class PlatformIn(Schema):
    hosts: list[str] = Field(description="the platform's public hosts: `name` or `name:port`")
    links: LinksIn
    media_hosts: list[str] = Field(
        default=[], description="hosts the desk may load media addresses from"
    )


class PlatformOut(Schema):
    hosts: list[str]
    links: dict[str, list[str]]
    media_hosts: list[str]
    updated_at: datetime | None
    updated_by: str
    changed: bool = False


def _out(profile: profiles.Profile, changed: bool = False) -> dict[str, Any]:
    return {
        **profile.as_data(),
        "updated_at": profile.updated_at,
        "updated_by": profile.updated_by,
        "changed": changed,
    }


@router.put("", response=PlatformOut, operation_id="set_platform")
def set_platform(request: ApiRequest, body: PlatformIn) -> dict[str, Any]:
    """Say how the platform's public links map to its ids, and where it serves media.

    Public reports are read with it; the same profile again changes nothing."""
    profile, changed = profiles.set_platform_profile(
        hosts=body.hosts,
        links=body.links.dict(),
        media_hosts=body.media_hosts,
        actor=request.auth,
    )
    return _out(profile, changed)


@router.get("", response={200: PlatformOut, 404: ErrorOut}, operation_id="get_platform")
def get_platform(request: ApiRequest) -> dict[str, Any]:
    """The profile the platform registered."""
    profile = profiles.platform_profile(actor=request.auth)
    if profile is None:
        raise NotFound("platform_not_registered", "The platform has registered no profile yet.")
    return _out(profile)
