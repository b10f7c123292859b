"""The audit events the terms app records."""

from __future__ import annotations

from shieldwall.core.audit import EventType


class TermEvent(EventType):
    """A term rule added or removed."""

    RULE_ADDED = "term_rule.add"
    RULE_REMOVED = "term_rule.remove"
