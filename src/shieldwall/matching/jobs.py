"""Matching's worker job: fold each bank's change log into a new index snapshot when enough
has changed (or when it has none), so serving processes map a file instead of rebuilding."""

from __future__ import annotations

from shieldwall.core.worker import periodic
from shieldwall.matching.snapshots import compact_due_snapshots

# A round costs a few queries when nothing is due; a 10 M-entry fold takes about a minute,
# and a periodic job never overlaps itself within one worker.
JOBS = (periodic("compact-snapshots", compact_due_snapshots, every=30.0),)
