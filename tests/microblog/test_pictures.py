"""The demo's generated pictures are ordinary and far apart: no seed post matches the bank."""

from __future__ import annotations

from pathlib import Path

from microblog.seeding import pictures
from shieldwall.media.hashing import hash_bytes
from shieldwall.media.limits import MediaLimits

LIMITS = MediaLimits(
    max_bytes=10**8,
    max_pixels=10**8,
    max_video_seconds=60,
    max_video_frames=10_000,
    decode_timeout_seconds=60,
)


def _pdq(data: bytes) -> int:
    h = hash_bytes(data, limits=LIMITS)
    assert h.pdq is not None
    return int(h.pdq, 16)


def test_known_pictures_are_far_from_every_seed_picture(tmp_path: Path) -> None:
    known = [_pdq(p.read_bytes()) for p in pictures.write_known_pictures(tmp_path)]
    seeds = [_pdq(pictures.jpeg(pictures.picture(1000 + i)[0])) for i in range(150)]
    nearest = min(bin(k ^ s).count("1") for k in known for s in seeds)
    assert nearest > 31 * 2, nearest


def test_video_is_an_mp4_shieldwall_can_hash() -> None:
    h = hash_bytes(pictures.video(7), limits=LIMITS)
    assert h.media_type == "video"
    assert len(h.vpdq) >= 2
