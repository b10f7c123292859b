"""Core records: the hash-chained audit log, shared rate windows and platform API keys."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models


class AuditEvent(models.Model):
    """One state change, append-only; `hash` covers the event and the hash of the one before."""

    seq = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField()
    actor = models.CharField(max_length=200, help_text="user:NAME, apikey:NAME, system or cli")
    action = models.CharField(max_length=100, db_index=True)
    subject_type = models.CharField(max_length=50, blank=True)
    subject_id = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject_type}:{self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Audit events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("Audit events are append-only and cannot be deleted.")


class AuditHead(models.Model):
    """A single row locked while appending, so concurrent writers extend one linear chain.

    `seal` is an HMAC under the audit key over the head and `keyed_from` (the first event
    hashed with the key; events before it predate the key), so the head cannot be rewound.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    keyed_from = models.BigIntegerField(default=1)
    seal = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"audit head at #{self.last_seq}"


class RateWindow(models.Model):
    """Hits counted against one key (a client address, an account) since its window began.

    Shared by every process and machine through the database; `core.throttle` changes it
    only with single atomic upserts, never read-then-write.
    """

    key = models.CharField(max_length=200, primary_key=True)
    started_us = models.BigIntegerField(help_text="window start, microseconds since the epoch")
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"


class ApiKey(models.Model):
    """A platform's credential for /api/v1; only the SHA-256 of the secret is stored."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(
        default=list, help_text="what the key may do (the apps' permissions.GRANTS)"
    )

    class Meta:
        verbose_name = "API key"
        permissions = [("manage_apikey", "Create and revoke platform API keys")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
