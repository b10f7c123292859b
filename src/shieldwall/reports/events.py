"""The audit event types about reports; the stored strings are what auditors filter on."""

from __future__ import annotations

from shieldwall.core.audit import EventType


class ReportEvent(EventType):
    """A report filed into its case, waiting for triage, resolved by triage or dismissed."""

    FILED = "reports.filed"
    UNRESOLVED = "reports.unresolved"
    RESOLVED = "report.resolve"
    DISMISSED = "report.dismiss"
