"""Uploaded media on disk: its type told from the bytes, its size and dimensions checked."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, UnidentifiedImageError

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/quicktime": "mov",
}


class UnreadableUpload(Exception):
    """The file is not an image or video the microblog accepts."""


@dataclass(frozen=True)
class Upload:
    """One file from the compose form, read and identified, not yet stored."""

    data: bytes
    kind: str  # "image" or "video"
    content_type: str
    alt_text: str = ""
    width: int | None = None
    height: int | None = None


def _video_type(data: bytes) -> str | None:
    if data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:10] == b"qt" else "video/mp4"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm"
    return None


def identify(data: bytes, alt_text: str = "") -> Upload:
    """Tell an image from a video by its bytes; refuse anything else."""
    if not data:
        raise UnreadableUpload("The file is empty.")
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise UnreadableUpload("The file is too large.")
    video = _video_type(data)
    if video:
        return Upload(data=data, kind="video", content_type=video, alt_text=alt_text)
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            width, height = img.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise UnreadableUpload(
            "We can only post JPEG, PNG, GIF or WebP images and MP4 or WebM videos."
        ) from None
    if fmt not in IMAGE_TYPES:
        raise UnreadableUpload(
            "We can only post JPEG, PNG, GIF or WebP images and MP4 or WebM videos."
        )
    return Upload(
        data=data,
        kind="image",
        content_type=IMAGE_TYPES[fmt],
        alt_text=alt_text,
        width=width,
        height=height,
    )


def media_path(media_id: str, content_type: str) -> str:
    """Where a media item lives, relative to the media folder."""
    return f"{media_id[2:4]}/{media_id}.{EXTENSIONS[content_type]}"


def save(relative: str, data: bytes) -> None:
    """Write a media file (atomically: a reader never sees half of it)."""
    target = settings.MEDIA_DIR / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)


def delete(relative: str) -> None:
    """Remove a media file; missing is fine."""
    (settings.MEDIA_DIR / relative).unlink(missing_ok=True)


def absolute(relative: str) -> Path:
    """The file on disk."""
    return settings.MEDIA_DIR / relative
