"""Bounds on the work that one media item may cost."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaLimits:
    """Size, pixel, duration, frame and time bounds applied while decoding one item."""

    max_bytes: int = 200 * 1024 * 1024
    max_pixels: int = 64_000_000
    max_video_seconds: float = 3 * 3600
    max_video_frames: int = 500_000
    decode_timeout_seconds: float = 120.0
