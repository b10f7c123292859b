"""Actions for the platform, the endpoints that receive them, and one delivery per pair."""

from __future__ import annotations

from django.db import models

from shieldwall.integrations.kinds import (
    SUBJECT_OF_KIND,
    AckStatus,
    ActionKind,
)
from shieldwall.subjects.kinds import SubjectType

__all__ = [
    "SUBJECT_OF_KIND",
    "AckStatus",
    "Action",
    "ActionKind",
    "Delivery",
    "DeliveryStatus",
    "WebhookEndpoint",
]


def _subject_matches_kind() -> models.Q:
    condition = models.Q()
    for subject_type in SubjectType.values:
        kinds = sorted(k for k, s in SUBJECT_OF_KIND.items() if s == subject_type)
        condition |= models.Q(kind__in=kinds, subject_type=subject_type)
    return condition


class Action(models.Model):
    """A decision, as the platform must apply it; immutable once written (except its ack)."""

    # The pull cursor. Rows are inserted while the audit head is locked (see services), so
    # on PostgreSQL too a higher seq is never visible before a lower one.
    seq = models.BigAutoField(primary_key=True)
    public_id = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=32, choices=ActionKind.choices)
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.CharField(max_length=200)
    reason = models.CharField(max_length=64)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200, help_text="actor label, e.g. user:NAME")
    origin = models.CharField(
        max_length=64, blank=True, help_text="what issued it, e.g. case:PUBLIC_ID (not sent out)"
    )
    ack_status = models.CharField(max_length=16, choices=AckStatus.choices, blank=True)
    ack_detail = models.CharField(max_length=1000, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["origin", "created_at"], name="action_origin_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_subject_matches_kind(), name="action_subject_matches_kind"
            )
        ]
        permissions = [
            ("issue_action", "Issue actions to the platform"),
            ("pull_actions", "Pull actions and acknowledge them (platforms)"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.kind} {self.subject_type}:{self.subject_id}"


class WebhookEndpoint(models.Model):
    """A platform URL that receives every action, signed with its secret."""

    url = models.URLField(max_length=2000)
    # Kept in clear: signing needs it. `secret_previous` is also signed with for a while
    # after a rotation, so receivers can switch without losing deliveries.
    secret = models.CharField(max_length=100)
    secret_previous = models.CharField(max_length=100, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"], condition=models.Q(enabled=True), name="webhook_one_enabled_per_url"
            )
        ]
        permissions = [("manage_webhooks", "Add, rotate and disable webhooks; retry deliveries")]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    """Where one action stands with one endpoint."""

    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Dead"


class Delivery(models.Model):
    """One action to one endpoint: the outbox row that the dispatcher leases and sends."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0, help_text="attempts started")
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["action", "endpoint"], name="delivery_once_per_pair")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.status})"
