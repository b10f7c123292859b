"""The outbox's figures at scrape time: deliveries waiting to be sent, how long the oldest
due one has waited, and dead letters (given up after every retry, waiting for staff at
/staff/webhooks/dead). Each is one query on the `delivery_due` index."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from shieldwall.integrations.models import Delivery, DeliveryStatus


def outbox_metrics() -> Iterator[Metric]:
    """Every figure of this app at scrape time."""
    now = timezone.now()
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING)
    oldest_due = (
        pending.filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    yield GaugeMetricFamily(
        "shieldwall_outbox_pending",
        "Webhook deliveries not yet delivered nor dead (due now or waiting to be retried).",
        value=pending.count(),
    )
    yield GaugeMetricFamily(
        "shieldwall_outbox_oldest_due_age_seconds",
        "How long the longest-due pending delivery has been due (0 when none is due).",
        value=max(0.0, (now - oldest_due).total_seconds()) if oldest_due else 0.0,
    )
    yield GaugeMetricFamily(
        "shieldwall_outbox_dead",
        "Webhook deliveries given up after every retry (retried by staff).",
        value=Delivery.objects.filter(status=DeliveryStatus.DEAD).count(),
    )


COLLECTORS = (outbox_metrics,)
