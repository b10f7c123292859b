"""Per-process match indices, one per bank: mapped from the worker's snapshot, kept current
by replaying the bank's change log, never rebuilt on the request path.

Each refresh (at most every `index_refresh_seconds`) reads the banks and their newest
snapshot ids. A bank whose version moved replays its changes since the last one seen into
the index's side part (a new immutable index, swapped in whole); a newer snapshot is mapped
in place of the old one. Only without a usable snapshot is a bank built from the database,
and that is logged (`index.built`) and counted (`Registry.builds`).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

import numpy as np
import structlog
from django.conf import settings
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from shieldwall.banks.kinds import PROTECTED_KINDS
from shieldwall.banks.models import Bank, BankEntry, BankExchange, SignalType
from shieldwall.banks.signals import value_to_frames
from shieldwall.matching import snapshots
from shieldwall.matching.hashindex import MIN_PDQ_QUALITY, HashIndex, VariantMap
from shieldwall.matching.index import hex_to_array
from shieldwall.matching.video import VideoFrames, VideoIndex

__all__ = ["MIN_PDQ_QUALITY", "BankIndex", "Registry", "registry", "snapshot_stats"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class BankIndex:
    """An immutable view of one bank's perceptual hashes and settings at one version."""

    bank_id: int
    name: str
    kind: str
    action: str
    enabled: bool
    version: int
    pdq_threshold: int
    video_query_pct: float
    video_bank_pct: float
    pdq: HashIndex
    video: VideoIndex
    video_ids: frozenset[int]
    watermark: int = 0  # the last change id replayed
    snapshot_id: int | None = None  # the snapshot the base came from; None: the database
    snapshot_seen: int = 0  # the newest snapshot id looked at (used or found unusable)
    snapshot_built_at: datetime | None = None
    snapshot_bytes: int = 0

    @property
    def variant_of(self) -> VariantMap:
        """Near-copy entry id -> the entry of the media it was made from."""
        return self.pdq.variants

    @property
    def size(self) -> int:
        return len(self.pdq) + len(self.video_ids)


class _BankSettings(TypedDict):
    bank_id: int
    name: str
    kind: str
    action: str
    enabled: bool
    version: int
    pdq_threshold: int
    video_query_pct: float
    video_bank_pct: float


def _settings_of(bank: Bank) -> _BankSettings:
    """What a refresh copies from the bank's row: cheap to read, so never cached stale."""
    return {
        "bank_id": bank.pk,
        "name": bank.name,
        "kind": bank.kind,
        "action": bank.action,
        "enabled": bank.enabled,
        "version": bank.version,
        "pdq_threshold": bank.pdq_threshold,
        "video_query_pct": bank.video_query_pct,
        "video_bank_pct": bank.video_bank_pct,
    }


def load_videos(bank_id: int) -> tuple[VideoIndex, frozenset[int]]:
    """The bank's enabled vPDQ entries (few, so always read whole from the database)."""
    videos = []
    rows = BankEntry.objects.filter(
        bank_id=bank_id, enabled=True, signal_type=SignalType.VPDQ
    ).values_list("id", "value")
    for entry_id, value in rows.iterator(chunk_size=100):
        frames = value_to_frames(value)
        videos.append(
            VideoFrames(
                entry_id=entry_id,
                seconds=np.array([f.second for f in frames], dtype=np.float64),
                hashes=hex_to_array([f.pdq for f in frames]),
                qualities=np.array([f.quality for f in frames], dtype=np.int32),
            )
        )
    return (
        VideoIndex(videos, min_quality=MIN_PDQ_QUALITY),
        frozenset(v.entry_id for v in videos),
    )


def build_bank_index(bank: Bank) -> BankIndex:
    """One bank read whole from the database (no snapshot): the slow path."""
    fresh = snapshots.read_bank(bank.pk)
    video, video_ids = load_videos(bank.pk)
    index = BankIndex(
        **_settings_of(bank),
        pdq=fresh.index,
        video=video,
        video_ids=video_ids,
        watermark=fresh.watermark,
    )
    return _catch_up(index, bank)


def _catch_up(have: BankIndex, bank: Bank) -> BankIndex:
    """The index with the bank's changes since its watermark replayed, and its settings."""
    batch = snapshots.changes_after(bank.pk, have.watermark)
    pdq = have.pdq.apply(batch.pdq) if batch.pdq else have.pdq
    video, video_ids = load_videos(bank.pk) if batch.video_changed else (have.video, have.video_ids)
    return dataclasses.replace(
        have,
        **_settings_of(bank),
        pdq=pdq,
        video=video,
        video_ids=video_ids,
        watermark=batch.last_id,
    )


class Registry:
    """The process's indices; checks bank versions at most every refresh interval."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._banks: dict[int, BankIndex] = {}
        self._protected: frozenset[str] = frozenset()
        self._checked_at = float("-inf")
        self._loaded = False
        self.builds = 0  # banks built from the database (no usable snapshot)
        self.loads = 0  # snapshots mapped
        self.catch_ups = 0  # change-log replays

    def protected_names(self) -> frozenset[str]:
        """Names of the protected banks (by kind, or filled by an exchange) at the last refresh."""
        return self._protected

    def banks(self) -> list[BankIndex]:
        """The enabled banks' indices, refreshed first if the interval has passed."""
        due = time.monotonic() - self._checked_at >= settings.SHIELDWALL.index_refresh_seconds
        # While one thread refreshes, the others keep matching on the last indices; only a
        # process with none yet waits for the first load.
        if due and self._lock.acquire(blocking=not self._loaded):
            try:
                self._refresh_locked()
            finally:
                self._lock.release()
        return [b for b in self._banks.values() if b.enabled]

    def all_banks(self) -> list[BankIndex]:
        """Every bank's index as last refreshed, disabled ones too (for metrics)."""
        return list(self._banks.values())

    def refresh(self) -> None:
        """Catch every bank up with its changes and snapshots; drop deleted banks."""
        with self._lock:
            self._refresh_locked()

    def _refresh_locked(self) -> None:
        fed = BankExchange.objects.filter(bank=OuterRef("pk"))
        current = {b.pk: b for b in Bank.objects.annotate(has_exchange=Exists(fed))}
        newest = dict(
            snapshots.IndexSnapshot.objects.values("bank_id")
            .annotate(last=Max("id"))
            .values_list("bank_id", "last")
        )
        fresh = {k: v for k, v in self._banks.items() if k in current}
        for bank_id, bank in current.items():
            have = fresh.get(bank_id)
            snapshot_id = int(newest.get(bank_id) or 0)
            if have is None or snapshot_id > have.snapshot_seen:
                fresh[bank_id] = self._load(bank, snapshot_id)
            elif have.version != bank.version:
                fresh[bank_id] = _catch_up(have, bank)
                self.catch_ups += 1
        self._banks = fresh
        self._protected = frozenset(
            b.name for b in current.values() if b.kind in PROTECTED_KINDS or b.has_exchange
        )
        self._checked_at = time.monotonic()
        self._loaded = True

    def _load(self, bank: Bank, snapshot_id: int) -> BankIndex:
        """The bank from its newest usable snapshot (an older kept one if the newest fails:
        the change log still covers it), or from the database when none is usable."""
        started = time.monotonic()
        candidates = (
            list(
                snapshots.IndexSnapshot.objects.filter(
                    bank_id=bank.pk, pk__lte=snapshot_id
                ).order_by("-id")[: snapshots.KEEP_SNAPSHOTS]
            )
            if snapshot_id
            else []
        )
        loaded, row = None, None
        for candidate in candidates:
            try:
                loaded, row = snapshots.load_snapshot(candidate), candidate
                break
            except snapshots.SnapshotError as exc:
                log.warning("index.snapshot_unusable", bank=bank.name, error=str(exc))
        if loaded is None or row is None:
            self.builds += 1
            index = dataclasses.replace(build_bank_index(bank), snapshot_seen=snapshot_id)
            log.info(
                "index.built",
                bank=bank.name,
                version=bank.version,
                seconds=round(time.monotonic() - started, 3),
                hashes=index.size,
                reason="snapshot unusable" if candidates else "no snapshot",
            )
            return index
        self.loads += 1
        video, video_ids = load_videos(bank.pk)
        index = BankIndex(
            **_settings_of(bank),
            pdq=loaded.index,
            video=video,
            video_ids=video_ids,
            watermark=loaded.watermark,
            snapshot_id=row.pk,
            snapshot_seen=snapshot_id,
            snapshot_built_at=row.built_at,
            snapshot_bytes=row.size_bytes,
        )
        index = _catch_up(index, bank)
        log.info(
            "index.loaded",
            bank=bank.name,
            snapshot=row.pk,
            seconds=round(time.monotonic() - started, 3),
            hashes=index.size,
        )
        return index

    def clear(self) -> None:
        """Forget every index (tests use this between databases)."""
        with self._lock:
            self._banks = {}
            self._protected = frozenset()
            self._checked_at = float("-inf")
            self._loaded = False
            self.builds = self.loads = self.catch_ups = 0


registry = Registry()


def snapshot_stats() -> dict[str, dict[str, float | int | None]]:
    """Per bank, as this process holds it: the snapshot's age and size, the entries in its
    base, and the changes held beside it (for the metrics endpoint)."""
    now = timezone.now()
    out: dict[str, dict[str, float | int | None]] = {}
    for b in registry.all_banks():
        built = b.snapshot_built_at
        out[b.name] = {
            "age_seconds": (now - built).total_seconds() if built is not None else None,
            "size_bytes": b.snapshot_bytes,
            "entries": len(b.pdq.base),
            "side_size": b.pdq.side_size,
        }
    return out
