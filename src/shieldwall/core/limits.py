"""The media limits in force, from the validated configuration."""

from __future__ import annotations

from django.conf import settings

from shieldwall.config import Config
from shieldwall.media.limits import MediaLimits


def limits_from(config: Config) -> MediaLimits:
    """MediaLimits built from SHIELDWALL_* settings (sizes, pixels, duration, time)."""
    return MediaLimits(
        max_bytes=config.max_upload_bytes,
        max_pixels=config.max_pixels,
        max_video_seconds=config.max_video_seconds,
        max_video_frames=config.max_video_frames,
        decode_timeout_seconds=config.decode_timeout_seconds,
    )


def media_limits() -> MediaLimits:
    """The limits of the running service."""
    return limits_from(settings.SHIELDWALL)
