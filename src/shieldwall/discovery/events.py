"""The audit events the discovery app records."""

from __future__ import annotations

from shieldwall.core.audit import EventType


class DiscoveryEvent(EventType):
    """A suggested tag approved or rejected, and account leads opening review cases."""

    SUGGESTION_APPROVED = "tag_suggestion.approve"
    SUGGESTION_REJECTED = "tag_suggestion.reject"
    LEADS_OPENED = "account_leads.open"
    MEDIA_VIEWED = "tag_suggestion.media_view"  # an example post's media revealed (desk)
