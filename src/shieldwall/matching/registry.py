"""Per-process match indices, one per bank, rebuilt when a bank's version changes."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import structlog
from django.conf import settings
from django.db.models import Exists, OuterRef

from shieldwall.banks.kinds import PROTECTED_KINDS
from shieldwall.banks.models import Bank, BankEntry, BankExchange, SignalType
from shieldwall.banks.signals import value_to_frames
from shieldwall.matching.index import PdqIndex, hex_to_array
from shieldwall.matching.video import VideoFrames, VideoIndex

log = structlog.get_logger(__name__)

MIN_PDQ_QUALITY = 50


@dataclass(frozen=True)
class BankIndex:
    """An immutable snapshot of one bank's perceptual hashes at one version."""

    bank_id: int
    name: str
    kind: str
    action: str
    enabled: bool
    version: int
    pdq_threshold: int
    video_query_pct: float
    video_bank_pct: float
    pdq: PdqIndex
    video: VideoIndex
    video_ids: frozenset[int]
    variant_of: dict[int, int]  # near-copy entry id -> the entry of the media it was made from

    @property
    def size(self) -> int:
        return len(self.pdq) + len(self.video_ids)


def build_bank_index(bank: Bank) -> BankIndex:
    """Load one bank's enabled PDQ and vPDQ entries from the database into memory."""
    rows = BankEntry.objects.filter(
        bank=bank, enabled=True, signal_type=SignalType.PDQ
    ).values_list("id", "value", "quality", "variant_of_id")
    ids, hexes = [], []
    variant_of = {}
    for entry_id, value, quality, original in rows.iterator(chunk_size=20000):
        if quality is None or quality >= MIN_PDQ_QUALITY:
            ids.append(entry_id)
            hexes.append(value)
            if original is not None:
                variant_of[entry_id] = original
    videos = []
    video_rows = BankEntry.objects.filter(
        bank=bank, enabled=True, signal_type=SignalType.VPDQ
    ).values_list("id", "value")
    for entry_id, value in video_rows.iterator(chunk_size=100):
        frames = value_to_frames(value)
        videos.append(
            VideoFrames(
                entry_id=entry_id,
                seconds=np.array([f.second for f in frames], dtype=np.float64),
                hashes=hex_to_array([f.pdq for f in frames]),
                qualities=np.array([f.quality for f in frames], dtype=np.int32),
            )
        )
    return BankIndex(
        bank_id=bank.pk,
        name=bank.name,
        kind=bank.kind,
        action=bank.action,
        enabled=bank.enabled,
        version=bank.version,
        pdq_threshold=bank.pdq_threshold,
        video_query_pct=bank.video_query_pct,
        video_bank_pct=bank.video_bank_pct,
        pdq=PdqIndex.from_hex(hexes, ids),
        video=VideoIndex(videos, min_quality=MIN_PDQ_QUALITY),
        video_ids=frozenset(v.entry_id for v in videos),
        variant_of=variant_of,
    )


class Registry:
    """The process's indices; checks bank versions at most every refresh interval."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._banks: dict[int, BankIndex] = {}
        self._protected: frozenset[str] = frozenset()
        self._checked_at = float("-inf")
        self._loaded = False

    def protected_names(self) -> frozenset[str]:
        """Names of the protected banks (by kind, or filled by an exchange) at the last refresh."""
        return self._protected

    def banks(self) -> list[BankIndex]:
        """The enabled banks' indices, refreshed first if the interval has passed."""
        due = time.monotonic() - self._checked_at >= settings.SHIELDWALL.index_refresh_seconds
        # While one thread rebuilds, the others keep matching on the last snapshot; only a
        # process with no snapshot yet waits for the first build.
        if due and self._lock.acquire(blocking=not self._loaded):
            try:
                self._refresh_locked()
            finally:
                self._lock.release()
        return [b for b in self._banks.values() if b.enabled]

    def refresh(self) -> None:
        """Rebuild the index of every bank whose version changed; drop deleted banks."""
        with self._lock:
            self._refresh_locked()

    def _refresh_locked(self) -> None:
        fed = BankExchange.objects.filter(bank=OuterRef("pk"))
        current = {b.pk: b for b in Bank.objects.annotate(has_exchange=Exists(fed))}
        fresh = dict(self._banks)
        for bank_id in list(fresh):
            if bank_id not in current:
                del fresh[bank_id]
        for bank_id, bank in current.items():
            have = fresh.get(bank_id)
            if have is None or have.version != bank.version:
                started = time.monotonic()
                fresh[bank_id] = build_bank_index(bank)
                log.info(
                    "index.built",
                    bank=bank.name,
                    version=bank.version,
                    seconds=round(time.monotonic() - started, 3),
                    hashes=fresh[bank_id].size,
                )
        self._banks = fresh
        self._protected = frozenset(
            b.name for b in current.values() if b.kind in PROTECTED_KINDS or b.has_exchange
        )
        self._checked_at = time.monotonic()
        self._loaded = True

    def clear(self) -> None:
        """Forget every index (tests use this between databases)."""
        with self._lock:
            self._banks = {}
            self._protected = frozenset()
            self._checked_at = float("-inf")
            self._loaded = False


registry = Registry()
