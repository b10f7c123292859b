"""The media limits in force, from the validated configuration."""

from __future__ import annotations

from django.conf import settings

from shieldwall.media.limits import MediaLimits


def media_limits() -> MediaLimits:
    """MediaLimits built from SHIELDWALL_* settings (sizes, pixels, duration, time)."""
    c = settings.SHIELDWALL
    return MediaLimits(
        max_bytes=c.max_upload_bytes,
        max_pixels=c.max_pixels,
        max_video_seconds=c.max_video_seconds,
        max_video_frames=c.max_video_frames,
        decode_timeout_seconds=c.decode_timeout_seconds,
    )
