"""What the discovery app lets staff do: see suggestions and account leads, review them."""

from __future__ import annotations

from shieldwall.core.roles import ADMIN, LEAD, MODERATOR, Grants

VIEW_DISCOVERY = "discovery.view_discovery"
REVIEW_SUGGESTIONS = "discovery.review_suggestions"

GRANTS = Grants(
    roles={
        ADMIN: (VIEW_DISCOVERY, REVIEW_SUGGESTIONS),
        LEAD: (VIEW_DISCOVERY, REVIEW_SUGGESTIONS),
        MODERATOR: (VIEW_DISCOVERY,),
    },
)
