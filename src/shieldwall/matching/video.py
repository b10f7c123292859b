"""Video matching on per-frame PDQ hashes (the vPDQ method), as a pure library.

Banked videos are hashed densely (every frame); queries are sampled at one frame a second.
A banked video matches when enough of the query's frames are near one of its frames (a clip cut
from it) or enough of its seconds hold a frame near some query frame (it sits inside a longer
upload). Frames below the quality floor are ignored on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shieldwall.matching.index import Match, PdqIndex

MIN_QUALITY = 50
FRAME_THRESHOLD = 31


@dataclass(frozen=True)
class VideoFrames:
    """Frame hashes of one banked video."""

    entry_id: int
    seconds: npt.NDArray[np.floating]
    hashes: npt.NDArray[np.uint8]
    qualities: npt.NDArray[np.integer]


@dataclass(frozen=True)
class VideoMatch:
    """A banked video matched by a query, with its best frame distance and match shares."""

    entry_id: int
    distance: int
    query_match_pct: float
    bank_match_pct: float


class VideoIndex:
    """Index over the good frames of banked videos, each frame tagged (video, whole second)."""

    def __init__(self, videos: Sequence[VideoFrames], *, min_quality: int = MIN_QUALITY) -> None:
        """Index every frame of quality >= min_quality of every video."""
        self._entry_ids = np.array([v.entry_id for v in videos], dtype=np.int64)
        hashes, video, second = [], [], []
        for i, v in enumerate(videos):
            good = np.asarray(v.qualities) >= min_quality
            hashes.append(np.asarray(v.hashes, dtype=np.uint8).reshape(-1, 32)[good])
            video.append(np.full(int(good.sum()), i, dtype=np.int64))
            second.append(np.floor(np.asarray(v.seconds, dtype=np.float64)[good]).astype(np.int64))
        all_hashes = np.concatenate(hashes) if hashes else np.zeros((0, 32), np.uint8)
        self._video = np.concatenate(video) if video else np.zeros(0, np.int64)
        seconds = np.concatenate(second) if second else np.zeros(0, np.int64)
        # one id per (video, second) bucket; per video, how many buckets it has
        _, self._bucket = np.unique(
            np.stack([self._video, seconds], axis=1), axis=0, return_inverse=True
        )
        self._bucket = self._bucket.reshape(-1)
        bucket_video = np.zeros(int(self._bucket.max(initial=-1)) + 1, dtype=np.int64)
        bucket_video[self._bucket] = self._video
        self._buckets_per_video = np.bincount(bucket_video, minlength=len(videos))
        self._index = PdqIndex(all_hashes, np.arange(len(all_hashes), dtype=np.int64))

    def __len__(self) -> int:
        """Number of banked videos."""
        return len(self._entry_ids)

    def match_video(
        self,
        query_hashes: npt.NDArray[np.uint8],
        query_qualities: npt.NDArray[np.integer],
        *,
        frame_threshold: int = FRAME_THRESHOLD,
        query_pct: float = 80.0,
        bank_pct: float = 80.0,
        min_quality: int = MIN_QUALITY,
    ) -> list[VideoMatch]:
        """Banked videos matched by a query video's frames (query pct OR bank pct rule)."""
        good = np.asarray(query_qualities) >= min_quality
        frames = np.asarray(query_hashes, dtype=np.uint8).reshape(-1, 32)[good]
        if not len(frames):
            return []
        found = self._shares(self._index.search(frames, frame_threshold), len(frames))
        return [m for m in found if m.query_match_pct >= query_pct or m.bank_match_pct >= bank_pct]

    def match_image(
        self, dihedral_hashes: npt.NDArray[np.uint8], *, threshold: int = FRAME_THRESHOLD
    ) -> list[VideoMatch]:
        """Banked videos with a frame within threshold of any variant of an image (a still)."""
        hits = self._index.search(np.asarray(dihedral_hashes, dtype=np.uint8), threshold)
        # the variants are one image: every hit counts for query row 0
        return self._shares([Match(0, m.id, m.distance) for m in hits], 1)

    def _shares(self, hits: list[Match], n_query: int) -> list[VideoMatch]:
        """Per matched video: best distance, share of query frames and of banked seconds hit."""
        if not hits:
            return []
        arr = np.array([(m.query, m.id, m.distance) for m in hits], dtype=np.int64)
        qrow, frame, dist = arr[:, 0], arr[:, 1], arr[:, 2]
        video = self._video[frame]
        out = []
        for v in np.unique(video):
            sel = video == v
            q_pct = 100.0 * len(np.unique(qrow[sel])) / n_query
            b_pct = (
                100.0 * len(np.unique(self._bucket[frame[sel]])) / int(self._buckets_per_video[v])
            )
            entry = int(self._entry_ids[v])
            out.append(VideoMatch(entry, int(dist[sel].min()), q_pct, b_pct))
        return sorted(out, key=lambda m: (m.distance, m.entry_id))
