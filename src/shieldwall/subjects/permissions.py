"""What the subjects app lets platforms (and admins) do."""

from __future__ import annotations

from shieldwall.core.roles import ADMIN, Grants

SEND_EVENTS = "subjects.send_events"
CONFIGURE_PLATFORM = "subjects.configure_platform"

GRANTS = Grants(
    roles={ADMIN: (SEND_EVENTS, CONFIGURE_PLATFORM)},
    scopes={
        "events": (SEND_EVENTS,),
        # How its public links map to its ids, and where it serves media: granted on purpose.
        "platform": (CONFIGURE_PLATFORM,),
    },
)
