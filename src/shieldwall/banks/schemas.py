"""Request and response shapes of the bank endpoints."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from shieldwall.banks.guard import is_protected
from shieldwall.banks.models import Bank, BankAction, BankEntry, BankKind


class BankIn(Schema):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9_-]+$")
    kind: BankKind = BankKind.CUSTOM
    action: BankAction = BankAction.REVIEW
    pdq_threshold: int = Field(default=31, ge=0, le=63, strict=True)
    video_query_pct: float = Field(default=80.0, gt=0, le=100, strict=True)
    video_bank_pct: float = Field(default=80.0, gt=0, le=100, strict=True)
    enabled: bool = Field(default=True, strict=True)


class BankPatch(Schema):
    kind: BankKind | None = None
    action: BankAction | None = None
    pdq_threshold: int | None = Field(default=None, ge=0, le=63, strict=True)
    video_query_pct: float | None = Field(default=None, gt=0, le=100, strict=True)
    video_bank_pct: float | None = Field(default=None, gt=0, le=100, strict=True)
    enabled: bool | None = Field(default=None, strict=True)


class BankOut(Schema):
    name: str
    kind: str
    action: str
    pdq_threshold: int
    video_query_pct: float
    video_bank_pct: float
    enabled: bool
    version: int
    entry_counts: dict[str, int] = {}
    protected: bool = Field(
        description="verified CSAM, NCII, platform-removed or exchange-filled: changed only by "
        "staff; a platform key sees it but cannot change it or read its hashes"
    )
    created_at: datetime
    updated_at: datetime


class HashIn(Schema):
    signal_type: str = Field(max_length=16)
    value: str = Field(max_length=10_000_000)
    note: str = Field(default="", max_length=500)
    external_id: str = Field(default="", max_length=200)


class HashesIn(Schema):
    hashes: list[HashIn] = Field(min_length=1, max_length=100_000)


class AddOut(Schema):
    added: int
    duplicates: int
    entry_ids: list[str]
    variants: int = Field(
        default=0, description="of the added entries, near copies (crops, rotations) of media"
    )


class EntryOut(Schema):
    id: str
    signal_type: str
    value: str
    quality: int | None
    note: str
    source: str
    external_id: str
    enabled: bool
    created_at: datetime
    variant_of: str | None = Field(
        default=None, description="for a near copy (crop, rotation): the entry it was made from"
    )


class EntryPatch(Schema):
    enabled: bool = Field(strict=True)


class RemovedOut(Schema):
    removed: int


def bank_out(bank: Bank, counts: dict[str, int] | None = None) -> BankOut:
    """The response form of a bank."""
    return BankOut(
        name=bank.name,
        kind=bank.kind,
        action=bank.action,
        pdq_threshold=bank.pdq_threshold,
        video_query_pct=bank.video_query_pct,
        video_bank_pct=bank.video_bank_pct,
        enabled=bank.enabled,
        version=bank.version,
        entry_counts=counts or {},
        protected=is_protected(bank),
        created_at=bank.created_at,
        updated_at=bank.updated_at,
    )


def entry_out(e: BankEntry) -> EntryOut:
    """The response form of a bank entry."""
    return EntryOut(
        id=str(e.pk),
        signal_type=e.signal_type,
        value=e.value,
        quality=e.quality,
        note=e.note,
        source=e.source,
        external_id=e.external_id,
        enabled=e.enabled,
        created_at=e.created_at,
        variant_of=str(e.variant_of_id) if e.variant_of_id else None,
    )
