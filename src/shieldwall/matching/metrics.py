"""Matching's instruments: scans by verdict and deciding bank kind, scan and match latency.

Updated on every scan, so each costs a few microseconds at most (a counter step and two
histogram observations; under gunicorn a write to this process's memory-mapped file).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from shieldwall.core.metrics import INSTRUMENTS, CollectFunction

# A bank kind for scans no bank decided: allowed, or refused before any match.
NO_BANK = "none"
REFUSED = "refused"

# Matching's scrape-time figures; reserved for the index snapshots' collector (one entry):
# shieldwall_index_snapshot_age_seconds{bank} and shieldwall_index_snapshot_bytes{bank}.
COLLECTORS: tuple[CollectFunction, ...] = ()

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
