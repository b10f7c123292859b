"""Tell what a file is from its bytes alone; the file name is never consulted."""

from __future__ import annotations

import io
import warnings
from typing import Literal

from PIL import Image

from shieldwall.media.errors import MediaError

MediaType = Literal["image", "video"]

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_MOV_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})

# Cheap-to-recognise things that are not images or videos, named in the error message.
_NOT_MEDIA: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a Linux program"),
    (b"MZ", "a Windows program"),
    (b"ID3", "an MP3 audio file"),
    (b"fLaC", "a FLAC audio file"),
    (b"{\\rtf", "an RTF document"),
    (b"\xd0\xcf\x11\xe0", "an Office document"),
)


def detect_format(data: bytes) -> tuple[MediaType, str]:
    """Return ("image" | "video", format) from magic bytes, or raise MediaError."""
    if not data:
        raise MediaError("empty_file", "The file is empty.")
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _still_or_animated(data, "png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _still_or_animated(data, "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _still_or_animated(data, "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video", "avi"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        raise _unsupported("a WAV audio file")
    if head[:2] == b"BM":
        return "image", "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image", "tiff"
    if head[4:8] == b"ftyp":
        return _from_ftyp(data)
    if head[4:8] in _MOV_ATOMS:
        return "video", "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video", "webm" if b"webm" in data[:64] else "mkv"
    if head.startswith(b"OggS"):
        return "video", "ogg"
    raise _unsupported(_describe(data))


def _still_or_animated(data: bytes, fmt: str) -> tuple[MediaType, str]:
    """Animated GIF, WebP and PNG go through the video path; single frames are images."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt.upper()]) as img:
                animated = bool(getattr(img, "is_animated", False))
    except Image.DecompressionBombError:
        return "image", fmt  # the decoder reports the pixel limit with its own message
    except Exception as exc:
        raise MediaError("corrupt", f"The {fmt.upper()} file is damaged or truncated.") from exc
    return ("video" if animated else "image"), fmt


def _from_ftyp(data: bytes) -> tuple[MediaType, str]:
    """HEIC, AVIF and MP4/MOV all start with an ftyp box; the brands tell them apart."""
    size = int.from_bytes(data[0:4], "big")
    box = data[8 : max(16, min(size, 4096))]
    major = box[:4]
    brands = {major} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
    if major in _AVIF_BRANDS or (major in _HEIF_BRANDS and brands & _AVIF_BRANDS):
        return "image", "avif"
    if major in _HEIC_BRANDS or (major in _HEIF_BRANDS and brands & _HEIC_BRANDS):
        return "image", "heic"
    if major in _HEIF_BRANDS:
        return "image", "heif"
    if major == b"qt  ":
        return "video", "mov"
    return "video", "mp4"


def _describe(data: bytes) -> str:
    """Name what a non-media file looks like, when that is cheap to tell."""
    for magic, name in _NOT_MEDIA:
        if data.startswith(magic):
            return name
    if len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:
        return "an MP3 audio file"
    text = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page"
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "an SVG drawing (vector images are not supported)"
    if text.startswith(b"<?xml"):
        return "an XML document"
    chunk = data[:2048]
    try:
        sample = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(chunk) - 4:  # not just a character cut at the end of the sample
            return "an unrecognised binary file"
        sample = chunk[: exc.start].decode("utf-8")
    if all(c.isprintable() or c in "\r\n\t" for c in sample):
        return "a text file"
    return "an unrecognised binary file"


def _unsupported(what: str) -> MediaError:
    return MediaError("unsupported_type", f"The file is {what}, not an image or video.")
