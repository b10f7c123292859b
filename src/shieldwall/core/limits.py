"""The media limits in force, from the validated configuration, and the decoders under them."""

from __future__ import annotations

import threading

from django.conf import settings

from shieldwall.config import Config
from shieldwall.core.errors import Invalid, ServiceError, Unavailable
from shieldwall.media.errors import MediaError
from shieldwall.media.hashing import MediaHashes
from shieldwall.media.isolation import DecodePool
from shieldwall.media.limits import MediaLimits

_pool: DecodePool | None = None
_pool_lock = threading.Lock()


def limits_from(config: Config) -> MediaLimits:
    """MediaLimits built from SHIELDWALL_* settings (sizes, pixels, frames, time)."""
    return MediaLimits(
        max_bytes=config.max_upload_bytes,
        max_pixels=config.max_pixels,
        max_video_seconds=config.max_video_seconds,
        max_video_frames=config.max_video_frames,
        max_video_pixels=config.max_video_pixels,
        max_animation_pixels=config.max_animation_pixels,
        max_frames_per_second=config.max_frames_per_second,
        decode_timeout_seconds=config.decode_timeout_seconds,
        decode_cpu_seconds=config.decode_cpu_seconds,
    )


def media_limits() -> MediaLimits:
    """The limits of the running service."""
    return limits_from(settings.SHIELDWALL)


def pool_from(config: Config) -> DecodePool:
    """A decoding pool sized and limited by SHIELDWALL_DECODE_* settings."""
    return DecodePool(
        workers=config.decode_workers, memory_bytes=config.decode_memory_mb * 1024 * 1024
    )


def decode_pool() -> DecodePool:
    """This process's decoding pool (its children start on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = pool_from(settings.SHIELDWALL)
        return _pool


def hash_media(
    data: bytes, *, frames_per_second: float | None = 1.0, near_copies: bool = False
) -> MediaHashes:
    """Hash uploaded media in a decoding child, under the service's limits (near_copies: also
    an image's small crops and rotations, for media that may be banked later)."""
    return decode_pool().hash_bytes(
        data, limits=media_limits(), frames_per_second=frames_per_second, near_copies=near_copies
    )


def refusal(exc: MediaError, *, field: str = "media") -> ServiceError:
    """The service error for media that could not be hashed (503 when decoders are busy)."""
    if exc.code == "decoder_busy":
        return Unavailable(exc.code, exc.message, field=field)
    return Invalid(exc.code, exc.message, field=field)
