"""Copies of one media item across posts: exact hashes through the database, PDQ in memory.

The PDQ side keeps a per-process `HashIndex` (matching's one facility) of the media of
open cases, built in full now and then; rows added since go into its side part as they
are seen, so a report never waits for a full rebuild.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db.models import Q

from shieldwall.banks.models import DEFAULT_PDQ_THRESHOLD
from shieldwall.cases.models import OPEN_STATES, Case, CaseMedia
from shieldwall.matching.hashindex import (
    MIN_PDQ_QUALITY,
    Change,
    HashIndex,
)

REBUILD_AFTER = 2000  # rows beside the base before it is built again


@dataclass(frozen=True)
class MediaHashRow:
    """The hashes of one media item of a reported post."""

    media_id: str
    md5: str
    sha256: str
    pdq: str
    pdq_quality: int | None


class _ClusterIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index = HashIndex.from_hex([], [])
        self._case_of: dict[int, int] = {}
        self._seen_max = 0

    def cases_near(self, pdq: str) -> set[int]:
        """Ids of cases holding media within the PDQ threshold of this hash."""
        with self._lock:
            self._top_up()
            # A mirrored or rotated copy: the facility queries the eight variants of the hash.
            return {self._case_of[m.id] for m in self._index.search_pdq(pdq, DEFAULT_PDQ_THRESHOLD)}

    def _top_up(self) -> None:
        """Put media rows added since into the side index; rebuild once there are many."""
        delta = list(
            CaseMedia.objects.filter(id__gt=self._seen_max, pdq_quality__gte=MIN_PDQ_QUALITY)
            .exclude(pdq="")
            .order_by("id")
            .values_list("id", "case_id", "pdq")
        )
        if self._index.side_size + len(delta) > REBUILD_AFTER:
            self._rebuild()
            return
        if delta:
            self._index = self._index.apply(
                Change(row_id, True, bytes.fromhex(pdq)) for row_id, _, pdq in delta
            )
            self._case_of.update((row_id, case_id) for row_id, case_id, _ in delta)
            self._seen_max = delta[-1][0]

    def _rebuild(self) -> None:
        last = CaseMedia.objects.order_by("-id").values_list("id", flat=True).first() or 0
        rows = list(
            CaseMedia.objects.filter(
                id__lte=last, case__state__in=OPEN_STATES, pdq_quality__gte=MIN_PDQ_QUALITY
            )
            .exclude(pdq="")
            .values_list("id", "case_id", "pdq")
        )
        self._index = HashIndex.from_hex([r[2] for r in rows], [r[0] for r in rows])
        self._case_of = {r[0]: r[1] for r in rows}
        self._seen_max = last

    def clear(self) -> None:
        with self._lock:
            self._index = HashIndex.from_hex([], [])
            self._case_of = {}
            self._seen_max = 0


cluster_index = _ClusterIndex()


def open_case_with_media(media: list[MediaHashRow]) -> int | None:
    """The id of an open case that holds a copy of any of these media items, if one does."""
    md5s = [m.md5 for m in media if m.md5]
    shas = [m.sha256 for m in media if m.sha256]
    if md5s or shas:
        hit = (
            CaseMedia.objects.filter(Q(md5__in=md5s) | Q(sha256__in=shas))
            .filter(case__state__in=OPEN_STATES)
            .values_list("case_id", flat=True)
            .first()
        )
        if hit is not None:
            return int(hit)
    near: set[int] = set()
    for m in media:
        if m.pdq and (m.pdq_quality or 0) >= MIN_PDQ_QUALITY:
            near |= cluster_index.cases_near(m.pdq)
    if not near:
        return None
    open_ids = Case.objects.filter(id__in=near, state__in=OPEN_STATES).order_by("tier", "id")
    first = open_ids.values_list("id", flat=True).first()
    return int(first) if first is not None else None
