"""What a scan tells staff beyond its verdict, kept as one small row per scan that has news."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ScanSignalKind(models.TextChoices):
    BLOCKED = "blocked", "Blocked upload of known media"
    NEAR_MATCH = "near_match", "Near match to a blocking bank"


class ScanSignal(models.Model):
    """A blocked upload, or an allowed one that came close to a blocking bank.

    Written in the scan's request with one INSERT (no audit event, no lock on anything
    shared); the worker files it into a case later and stamps `filed_at`. The media itself
    is never kept: only its hashes and what it matched.
    """

    kind = models.CharField(max_length=16, choices=ScanSignalKind.choices)
    media_id = models.CharField(max_length=200, blank=True)
    post_id = models.CharField(max_length=200, blank=True)
    account_id = models.CharField(max_length=200, blank=True)
    media_type = models.CharField(max_length=8, blank=True)
    md5 = models.CharField(max_length=32, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pdq = models.CharField(max_length=64, blank=True)
    # [{"bank", "bank_kind", "signal_type", "entry_id", "distance", "variant_of"}, ...]
    matches = models.JSONField(default=list)
    # Who sent the scan (its API key): the account and post ids are that caller's word.
    scanned_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    filed_at = models.DateTimeField(null=True, blank=True)
    case_id = models.CharField(
        max_length=40, blank=True, help_text="public id of the case it was filed into, if any"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(filed_at__isnull=True),
                name="scan_signal_pending",
            ),
            models.Index(
                fields=["account_id", "kind", "created_at"], name="scan_signal_account_time"
            ),
            models.Index(
                fields=["case_id"], condition=~models.Q(case_id=""), name="scan_signal_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.media_id or self.sha256[:12]}"


class IndexSnapshot(models.Model):
    """A bank's PDQ index written to a file by the worker, for serving processes to map.

    It covers the bank's change log up to `watermark` (a BankEntryChange id): a process
    loads it and replays the changes after. `checksum` (SHA-256 over the file's pieces,
    `snapshots.file_checksum`) is checked on load; a file that fails it is not used.
    """

    bank = models.ForeignKey("banks.Bank", on_delete=models.CASCADE, related_name="snapshots")
    watermark = models.BigIntegerField(help_text="the last change id the snapshot includes")
    path = models.CharField(max_length=500, help_text="file name under SHIELDWALL_INDEX_DIR")
    size_bytes = models.BigIntegerField()
    entries = models.BigIntegerField()
    checksum = models.CharField(max_length=64)
    format_version = models.PositiveSmallIntegerField()
    built_at = models.DateTimeField(default=timezone.now)
    build_seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["bank", "id"], name="index_snapshot_latest")]

    def __str__(self) -> str:
        return f"snapshot {self.pk} of bank {self.bank_id} up to change {self.watermark}"
