"""The audit event types cases record; the stored strings are what auditors filter on."""

from __future__ import annotations

from shieldwall.core.audit import EventType


class CaseEvent(EventType):
    """What happens to a case, and the worker's filing of scan signals into cases."""

    OPENED = "case.open"
    ACKNOWLEDGED = "case.acknowledge"
    ESCALATED = "case.escalate"
    ESCALATED_NEAR_DEADLINE = "case.escalate_deadline"
    ASSIGNED = "case.assign"
    COMMENTED = "case.comment"
    MEDIA_VIEWED = "case.media_view"
    DECIDED = "case.decide"
    PLATFORM_REFUSED = "case.platform_refused"
    CLOSED_EMPTY = "case.close_empty"
    SCAN_SIGNALS_FILED = "scan_signals.filed"
