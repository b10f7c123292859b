"""The audit events subjects records: what the platform told us, and its profile."""

from __future__ import annotations

from shieldwall.core.audit import EventType


class SubjectEvent(EventType):
    """The platform sent events, or changed how its links and hosts are read."""

    EVENTS_INGESTED = "events.ingest"
    PROFILE_SET = "platform.profile_set"
