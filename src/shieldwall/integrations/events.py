"""The audit events integrations records: actions issued and acknowledged, webhooks."""

from __future__ import annotations

from shieldwall.core.audit import EventType


class IntegrationEvent(EventType):
    """An action for the platform, its acknowledgement, or a change to a webhook."""

    ACTION_ISSUED = "action.issue"
    ACTION_ACKED = "action.ack"
    WEBHOOK_ADDED = "webhook.add"
    WEBHOOK_ROTATED = "webhook.rotate"
    WEBHOOK_DISABLED = "webhook.disable"
    WEBHOOK_DEAD_RETRIED = "webhook.retry_dead"
