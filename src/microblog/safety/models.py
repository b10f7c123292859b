"""What the Shieldwall integration keeps: applied actions, unsent events, the pull cursor."""

from __future__ import annotations

from django.db import models


class AppliedAction(models.Model):
    """An action from Shieldwall, recorded once by its id so a redelivery changes nothing."""

    action_id = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=20)
    subject_id = models.CharField(max_length=200)
    outcome = models.CharField(max_length=10)  # applied | ignored
    detail = models.CharField(max_length=200, blank=True)
    via = models.CharField(max_length=10)  # webhook | pull
    applied_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.action_id} {self.kind} {self.outcome}"


class PendingEvent(models.Model):
    """An event written with the change it describes, sent to Shieldwall in batches later."""

    event_id = models.CharField(max_length=100, unique=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.event_id


class PullCursor(models.Model):
    """Where `pull-actions` left off in Shieldwall's action list."""

    name = models.CharField(max_length=40, unique=True)
    after = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} after {self.after or 'the start'}"
