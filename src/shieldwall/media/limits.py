"""Bounds on the work that one media item may cost."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaLimits:
    """Size, pixel, duration, frame and time bounds applied while decoding one item.

    The per-item budget counts every decoded frame, sampled or not: a video decoder must
    decode each frame to reach the next, and an animated GIF, WebP or PNG is composited
    onto its whole canvas for every frame. Checked against what the file declares before
    decoding starts (so a bomb is refused at once), and again as frames come out.
    """

    max_bytes: int = 200 * 1024 * 1024
    # One frame or still picture, width x height.
    max_pixels: int = 64_000_000
    max_video_seconds: float = 3 * 3600
    max_video_frames: int = 100_000
    # All frames of a video decoded by FFmpeg (about 2.5 ns a pixel on one core: 40 G is
    # some 100 s of CPU, e.g. 11 minutes of 1080p at 30 fps, or an hour at 480p).
    max_video_pixels: int = 40_000_000_000
    # All frames of an animated GIF, WebP or PNG, each counted at its full canvas size
    # (Pillow composites every frame: 1 G is e.g. 480 frames of 1080p, a few s of CPU).
    max_animation_pixels: int = 1_000_000_000
    # Frames per second of media time, averaged; phones record slow motion at 240.
    max_frames_per_second: float = 240.0
    decode_timeout_seconds: float = 120.0
    decode_cpu_seconds: float = 120.0
