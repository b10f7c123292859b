"""Hash uploaded media: MD5 and SHA-256 of the bytes, PDQ of images, PDQ frames of videos."""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from shieldwall.media import nearcopy
from shieldwall.media.borders import Box, content_box
from shieldwall.media.detect import detect_format
from shieldwall.media.errors import MediaError
from shieldwall.media.image import decode_still
from shieldwall.media.limits import MediaLimits
from shieldwall.media.nearcopy import NearCopy
from shieldwall.media.pdq import pdq_dihedral_of, pdq_of
from shieldwall.media.resample import Picture
from shieldwall.media.video import open_video

# Bars are looked for over the first frames of a video, up to these many or seconds.
_BAR_FRAMES = 30
_BAR_SECONDS = 3.0

_DEFAULT_LIMITS = MediaLimits()


@dataclass(frozen=True)
class FrameHash:
    """The PDQ hash of one video frame."""

    second: float
    pdq: str
    quality: int


@dataclass(frozen=True)
class MediaHashes:
    """Everything we hash about one media item."""

    media_type: Literal["image", "video"]
    format: str
    md5: str
    sha256: str
    pdq: str | None
    pdq_quality: int | None
    pdq_dihedral: tuple[str, ...]
    vpdq: tuple[FrameHash, ...]
    width: int
    height: int
    duration_seconds: float | None
    # When bars were trimmed: the hashes of the whole, untrimmed picture too, because banks
    # from elsewhere (NCMEC, StopNCII, HMA) hash whole frames. Empty when nothing was cut.
    pdq_untrimmed: tuple[str, ...] = ()
    vpdq_untrimmed: tuple[FrameHash, ...] = ()
    # Images only. Small crops and rotations of the picture, banked with it when media is
    # banked from its bytes; and the upload with a caption band stripped, matched with it.
    pdq_near: tuple[NearCopy, ...] = ()
    pdq_stripped: tuple[str, ...] = ()
    pdq_untrimmed_quality: int | None = None

    def whole_frame(self) -> NearCopy | None:
        """The whole, untrimmed picture as one more copy to bank beside the trimmed hash.

        Trimming a dark uniform background moves the hash of the same picture by tens of
        bits between sizes (the box found differs by a pixel or two), so an image banked
        only trimmed may not match its own resized copy; its whole frame does.
        """
        if not self.pdq_untrimmed:
            return None
        return NearCopy("whole frame", self.pdq_untrimmed[0], self.pdq_untrimmed_quality or 0)


def hash_file(
    path: str | os.PathLike[str],
    *,
    limits: MediaLimits = _DEFAULT_LIMITS,
    frames_per_second: float | None = 1.0,
    trim_borders: bool = True,
) -> MediaHashes:
    """Hash a media file, refusing it by its size before reading it."""
    size = os.stat(path).st_size
    _check_size(size, limits)
    with open(path, "rb") as handle:
        data = handle.read(limits.max_bytes + 1)
    return hash_bytes(
        data, limits=limits, frames_per_second=frames_per_second, trim_borders=trim_borders
    )


def hash_bytes(
    data: bytes,
    *,
    limits: MediaLimits = _DEFAULT_LIMITS,
    frames_per_second: float | None = 1.0,
    trim_borders: bool = True,
    near_copies: bool = False,
) -> MediaHashes:
    """Hash media bytes; raise MediaError (never anything else) for what cannot be hashed.

    near_copies also hashes an image's small crops and rotations (`MediaHashes.pdq_near`),
    for media that may be banked later: it costs about as much again as the rest.
    """
    _check_size(len(data), limits)
    if frames_per_second is not None and not frames_per_second > 0:
        raise ValueError("frames_per_second must be positive or None")
    media_type, fmt = detect_format(data)
    try:
        return _hash(data, media_type, fmt, limits, frames_per_second, trim_borders, near_copies)
    except (MediaError, MemoryError):
        raise
    except Exception as exc:  # a decoder failing in a way we did not foresee
        raise MediaError("corrupt", f"The {fmt.upper()} file could not be decoded.") from exc


def _hash(
    data: bytes,
    media_type: str,
    fmt: str,
    limits: MediaLimits,
    frames_per_second: float | None,
    trim_borders: bool,
    near: bool = False,
) -> MediaHashes:
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    sha256 = hashlib.sha256(data).hexdigest()
    if media_type == "image":
        whole = decode_still(data, fmt, limits)
        width, height = whole.full_size
        picture = whole.crop(content_box(whole.luma) or _whole(whole)) if trim_borders else whole
        dihedral, quality = pdq_dihedral_of(picture.pdq_input())
        untrimmed, untrimmed_quality = (
            ((), None) if picture is whole else pdq_dihedral_of(whole.pdq_input())
        )
        stripped = tuple(pdq_of(p.pdq_input())[0] for p in nearcopy.caption_stripped(whole))
        return MediaHashes(
            "image",
            fmt,
            md5,
            sha256,
            dihedral[0],
            quality,
            dihedral,
            (),
            width,
            height,
            None,
            pdq_untrimmed=untrimmed,
            pdq_untrimmed_quality=untrimmed_quality,
            pdq_near=nearcopy.near_copies(picture) if near else (),
            pdq_stripped=stripped,
        )
    source = open_video(data, fmt, limits, frames_per_second)
    frames: list[FrameHash] = []
    whole_frames: list[FrameHash] = []
    for cut, whole_frame in _hash_frames(source.frames, trim_borders):
        frames.append(cut)
        if whole_frame is not None:
            whole_frames.append(whole_frame)
    if not frames:
        raise MediaError("corrupt", f"The {fmt.upper()} file has no decodable frames.")
    duration = source.duration if source.duration is not None else frames[-1].second
    return MediaHashes(
        "video",
        fmt,
        md5,
        sha256,
        None,
        None,
        (),
        tuple(frames),
        source.width,
        source.height,
        duration,
        vpdq_untrimmed=tuple(whole_frames),
    )


def _hash_frames(
    frames: Iterator[tuple[float, Picture]], trim: bool
) -> Iterator[tuple[FrameHash, FrameHash | None]]:
    """PDQ every frame cropped to the bars found over the first ones (and whole, if cut)."""
    head: list[tuple[float, Picture]] = []
    if trim:
        for second, picture in frames:
            head.append((second, picture))
            if len(head) >= _BAR_FRAMES or second >= _BAR_SECONDS:
                break
    box = _video_box([p for _, p in head]) if trim else None
    for second, picture in itertools.chain(head, frames):
        cropped = picture.crop(box) if box is not None else picture
        pdq, quality = pdq_of(cropped.pdq_input())
        whole = None
        if cropped is not picture:
            whole_pdq, whole_quality = pdq_of(picture.pdq_input())
            whole = FrameHash(round(second, 3), whole_pdq, whole_quality)
        yield FrameHash(round(second, 3), pdq, quality), whole


def _video_box(pictures: list[Picture]) -> Box | None:
    """The least trimming any informative frame allows, so bars are cut consistently."""
    box: Box | None = None
    for picture in pictures:
        found = content_box(picture.luma)
        if found is not None:
            box = found if box is None else box.union(found)
    return box


def _whole(picture: Picture) -> Box:
    height, width = picture.luma.shape
    return Box(0, height, 0, width)


def _check_size(size: int, limits: MediaLimits) -> None:
    if size == 0:
        raise MediaError("empty_file", "The file is empty.")
    if size > limits.max_bytes:
        raise MediaError(
            "too_large",
            f"The file is {size:,} bytes; the limit is {limits.max_bytes:,} bytes.",
        )
