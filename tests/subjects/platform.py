"""A registered platform profile for tests: Tidepool-like links on made-up hosts."""

from __future__ import annotations

from shieldwall.core.actors import Actor
from shieldwall.subjects.profile import Profile, set_platform_profile

HOST = "tidepool.example"
MEDIA_HOST = "media.tidepool.example"
LINKS = {"post": ["/p/{id}"], "account": ["/@{handle}", "/users/{id}"], "hashtag": ["/tag/{name}"]}


def register(actor: Actor, **changes: object) -> Profile:
    """Register the test platform's profile (hosts, link patterns, media hosts)."""
    fields: dict[str, object] = {
        "hosts": [HOST, "www." + HOST],
        "links": LINKS,
        "media_hosts": [MEDIA_HOST],
    }
    fields.update(changes)
    profile, _ = set_platform_profile(actor=actor, **fields)
    return profile
