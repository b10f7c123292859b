"""Matching's instruments: scans by verdict and deciding bank kind, scan and match latency.

Updated on every scan, so each costs a few microseconds at most (a counter step and two
histogram observations; under gunicorn a write to this process's memory-mapped file).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client import Counter, Histogram
from prometheus_client.metrics_core import Metric

from shieldwall.core.metrics import INSTRUMENTS, CollectFunction, labelled_gauge

# A bank kind for scans no bank decided: allowed, or refused before any match.
NO_BANK = "none"
REFUSED = "refused"


SCANS = Counter(
    "shieldwall_scans",
    "Scans of uploaded media by verdict (allow, review, block, or refused when the media "
    "could not be decoded within its limits) and the kind of bank that decided it.",
    ["verdict", "bank_kind"],
    registry=INSTRUMENTS,
)
SCAN_SECONDS = Histogram(
    "shieldwall_scan_duration_seconds",
    "Time to answer one scan: decoding and hashing in a child process, then matching.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=INSTRUMENTS,
)
MATCH_SECONDS = Histogram(
    "shieldwall_match_duration_seconds",
    "Time to look one media item's hashes up in every enabled bank (scans and lookups).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
    registry=INSTRUMENTS,
)


def record_scan(*, verdict: str, bank_kind: str, seconds: float) -> None:
    """Count one answered (or refused) scan and how long it took."""
    SCANS.labels(verdict=verdict, bank_kind=bank_kind or NO_BANK).inc()
    SCAN_SECONDS.observe(seconds)


def record_match(seconds: float) -> None:
    """How long one lookup in the banks took."""
    MATCH_SECONDS.observe(seconds)


def snapshot_metrics() -> Iterator[Metric]:
    """Per bank, the newest index snapshot the worker wrote (its age and size, as every
    serving process on every machine loads it) and the changes since it, which each process
    replays beside it until the next compaction. A growing age or backlog means the worker's
    `compact-snapshots` job is not keeping up. One indexed query each per bank (banks are few)."""
    # Imported here: the instruments above are imported before Django's apps are loaded.
    from shieldwall.banks.models import Bank, BankEntryChange
    from shieldwall.matching.models import IndexSnapshot

    now = timezone.now()
    age: dict[str, float] = {}
    size: dict[str, float] = {}
    pending: dict[str, float] = {}
    for bank in Bank.objects.only("id", "name"):
        newest = IndexSnapshot.objects.filter(bank=bank).order_by("-id").first()
        watermark = newest.watermark if newest is not None else 0
        pending[bank.name] = BankEntryChange.objects.filter(bank=bank, id__gt=watermark).count()
        if newest is not None:
            age[bank.name] = max(0.0, (now - newest.built_at).total_seconds())
            size[bank.name] = float(newest.size_bytes)
    yield labelled_gauge(
        "shieldwall_index_snapshot_age_seconds",
        "Seconds since the worker wrote each bank's newest index snapshot.",
        "bank",
        age,
    )
    yield labelled_gauge(
        "shieldwall_index_snapshot_bytes",
        "Size of each bank's newest index snapshot.",
        "bank",
        size,
    )
    yield labelled_gauge(
        "shieldwall_index_changes_since_snapshot",
        "Bank entry changes after the newest snapshot, replayed beside it by every process.",
        "bank",
        pending,
    )


COLLECTORS: tuple[CollectFunction, ...] = (snapshot_metrics,)
