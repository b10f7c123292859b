"""Hash banks: named sets of known hashes, each with a kind, an action and thresholds."""

from __future__ import annotations

from django.db import models

from shieldwall.banks.kinds import BankAction, BankKind, EntrySource, SignalType

__all__ = [
    "Bank",
    "BankAction",
    "BankEntry",
    "BankEntryChange",
    "BankKind",
    "EntryChangeOp",
    "EntrySource",
    "SignalType",
]


DEFAULT_PDQ_THRESHOLD = 31
DEFAULT_VIDEO_PCT = 80.0


class Bank(models.Model):
    """A named set of known hashes; `version` grows on every change so indices can follow."""

    name = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=32, choices=BankKind.choices, default=BankKind.CUSTOM)
    action = models.CharField(max_length=16, choices=BankAction.choices, default=BankAction.REVIEW)
    pdq_threshold = models.PositiveSmallIntegerField(default=DEFAULT_PDQ_THRESHOLD)
    video_query_pct = models.FloatField(
        default=DEFAULT_VIDEO_PCT, help_text="share of the upload's frames found in a banked video"
    )
    video_bank_pct = models.FloatField(
        default=DEFAULT_VIDEO_PCT, help_text="share of a banked video's seconds found in the upload"
    )
    enabled = models.BooleanField(default=True)
    version = models.PositiveBigIntegerField(default=1)
    owner = models.ForeignKey(
        "core.ApiKey",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="banks",
        help_text="the platform key that created it and may change it; none: staff only",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("manage_bank", "Create banks and change their entries"),
            ("scan_media", "Scan media against the banks"),
            ("lookup_hashes", "Look up hashes against the banks"),
            (
                "manage_protected_bank",
                "Change protected banks (verified CSAM, NCII, platform-removed, exchange-filled)",
            ),
            ("export_protected_bank", "Read and export the hashes of protected banks"),
        ]

    def __str__(self) -> str:
        return self.name


class BankEntry(models.Model):
    """One known hash. vPDQ entries keep their frames in `value` (threatexchange's JSON form)."""

    bank = models.ForeignKey(Bank, on_delete=models.CASCADE, related_name="entries")
    signal_type = models.CharField(max_length=16, choices=SignalType.choices)
    value = models.TextField()
    quality = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=16, choices=EntrySource.choices)
    external_id = models.CharField(
        max_length=200, blank=True, help_text="id at the exchange it came from (a StopNCII case)"
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A near copy (a small crop or rotation) of media banked from its bytes: the PDQ entry of
    # the media itself. Variants match like any entry, go with their original, and are ours
    # alone: exports leave them out.
    variant_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="variants",
        db_index=False,
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "signal_type", "value"],
                name="bank_entry_unique_hash",
                condition=~models.Q(signal_type=SignalType.VPDQ),
            )
        ]
        indexes = [
            models.Index(fields=["bank", "signal_type", "enabled"]),
            models.Index(
                fields=["signal_type", "value"],
                name="bank_entry_exact_lookup",
                condition=~models.Q(signal_type=SignalType.VPDQ),
            ),
            models.Index(fields=["bank", "external_id"]),
            models.Index(
                fields=["variant_of"],
                name="bank_entry_variants",
                condition=models.Q(variant_of__isnull=False),
            ),
            # A serving process reads a bank's videos whole when it maps a snapshot: a few
            # rows, found without walking the bank's millions of PDQ entries.
            models.Index(
                fields=["bank"], name="bank_entry_videos", condition=models.Q(signal_type="vpdq")
            ),
        ]
        verbose_name_plural = "bank entries"

    def __str__(self) -> str:
        return f"{self.bank_id}:{self.signal_type}:{self.value[:16]}"


class ExchangeApi(models.TextChoices):
    """The hash exchanges a bank can be filled from (threatexchange's exchange clients)."""

    FILE = "file", "Local file in threatexchange's format"
    NCMEC = "ncmec", "NCMEC hash sharing"
    STOPNCII = "stopncii", "StopNCII.org"


class BankExchange(models.Model):
    """A hash exchange that fills one bank: its settings (never its secrets) and fetch state."""

    bank = models.ForeignKey(Bank, on_delete=models.CASCADE, related_name="exchanges")
    api = models.CharField(max_length=16, choices=ExchangeApi.choices)
    config = models.JSONField(
        default=dict, blank=True, help_text="non-secret settings; credentials stay in the env"
    )
    checkpoint = models.JSONField(null=True, blank=True)
    last_fetch_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One exchange per bank, so the bank's exchange entries all belong to it.
            models.UniqueConstraint(fields=["bank"], name="bank_exchange_one_per_bank"),
        ]

    def __str__(self) -> str:
        return f"{self.api} exchange of bank {self.bank_id}"


class EntryChangeOp(models.TextChoices):
    """What happened to an entry, as the match indices must replay it."""

    ADD = "add", "Added or enabled: matches from now on"
    WITHDRAW = "withdraw", "Disabled or deleted: matches no more"


class BankEntryChange(models.Model):
    """One change to a bank's perceptual entries, written in the changing transaction.

    Serving processes keep a bank's index as a snapshot (built by the worker up to some
    change id) plus the changes after it, replayed from this log in id order; a deletion
    leaves no row behind, so the log is the only way a process learns of it without a
    rebuild. Changes of one bank are written under that bank's row lock, so within a bank
    ids grow in commit order and a process may read "changes after the last id I saw".
    Only PDQ and vPDQ entries are logged: exact hashes are matched in the database.
    """

    id = models.BigAutoField(primary_key=True)
    bank = models.ForeignKey(Bank, on_delete=models.CASCADE, related_name="changes")
    entry_id = models.BigIntegerField()
    op = models.CharField(max_length=8, choices=EntryChangeOp.choices)
    signal_type = models.CharField(max_length=16, choices=SignalType.choices)
    # For a PDQ addition: the hash, its quality and its original, so no process needs to
    # read the entry (which may be gone by then).
    value = models.CharField(max_length=64, blank=True)
    quality = models.PositiveSmallIntegerField(null=True, blank=True)
    variant_of_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["bank", "id"], name="bank_entry_change_replay")]

    def __str__(self) -> str:
        return f"{self.bank_id}:{self.op}:{self.entry_id}"
