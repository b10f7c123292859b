"""Keeping what the platform tells us: the hashes of its media, by the platform's own id."""

from __future__ import annotations

from shieldwall.media.hashing import MediaHashes
from shieldwall.subjects.models import PlatformMedia


def record_media(
    *, media_id: str, post_id: str, account_id: str, hashes: MediaHashes, verdict: str
) -> PlatformMedia:
    """Create or refresh a platform media item's hashes; the caller holds the transaction."""
    media, _ = PlatformMedia.objects.update_or_create(
        media_id=media_id,
        defaults={
            "post_id": post_id,
            "account_id": account_id,
            "media_type": hashes.media_type,
            "format": hashes.format,
            "md5": hashes.md5,
            "sha256": hashes.sha256,
            "pdq": hashes.pdq or "",
            "pdq_quality": hashes.pdq_quality,
            "vpdq": [[f.second, f.pdq, f.quality] for f in hashes.vpdq],
            "verdict": verdict,
        },
    )
    return media
