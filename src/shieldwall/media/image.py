"""Decode still images (and animated-image frames) safely with Pillow."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from functools import cache

import numpy as np
from PIL import Image, ImageOps, ImageSequence

from shieldwall.media.budget import DecodeBudget
from shieldwall.media.errors import MediaError
from shieldwall.media.gif import count_frames
from shieldwall.media.limits import MediaLimits
from shieldwall.media.resample import Picture, luma_of, reduction_for

_PILLOW_FORMATS = {
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "bmp": "BMP",
    "tiff": "TIFF",
    "avif": "AVIF",
    "heic": "HEIF",
    "heif": "HEIF",
}
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_WHITE = (255, 255, 255, 255)


@cache
def _register_heif() -> None:
    """Teach Pillow HEIC/HEIF (pillow-heif); done once, on first use, not at import."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def open_image(data: bytes, fmt: str, limits: MediaLimits) -> Image.Image:
    """Open (header only) an image of a detected format, refusing decompression bombs."""
    if fmt in ("heic", "heif"):
        _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[fmt]])
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(None, limits) from exc
    except Exception as exc:
        raise corrupt(fmt) from exc
    check_pixels(img.size, limits)
    return img


def check_pixels(size: tuple[int, int], limits: MediaLimits) -> None:
    """Raise too_many_pixels when a width x height exceeds the limit."""
    if size[0] * size[1] > limits.max_pixels:
        raise _too_many_pixels(size, limits)


def decode_still(data: bytes, fmt: str, limits: MediaLimits) -> Picture:
    """Decode a still image to an oriented, reduced luma Picture."""
    img = open_image(data, fmt, limits)
    with img:
        try:
            return _decode_loaded(img, fmt, limits)
        except MediaError:
            raise
        except Image.DecompressionBombError as exc:
            raise _too_many_pixels(img.size, limits) from exc
        except Exception as exc:
            raise corrupt(fmt) from exc


def _decode_loaded(img: Image.Image, fmt: str, limits: MediaLimits) -> Picture:
    width, height = img.size
    scale = 1
    if fmt == "jpeg":
        factor = reduction_for(width, height)
        if factor > 1:
            # DCT-domain downscale; grey decoding of a colour JPEG gives its Y plane,
            # which is PDQ's luma, and skips colour conversion.
            mode = "L" if img.mode in ("RGB", "YCbCr", "L") else img.mode
            img.draft(mode, (-(-width // factor), -(-height // factor)))
            scale = round(width / img.size[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        img.load()
    orientation_swaps = _orientation(img) in (5, 6, 7, 8)
    ImageOps.exif_transpose(img, in_place=True)
    if orientation_swaps:
        width, height = height, width
    return picture_from(img, (width, height), scale)


def picture_from(img: Image.Image, full_size: tuple[int, int], scale: int = 1) -> Picture:
    """Reduce a decoded image of any Pillow mode to a luma Picture of the full-size original."""
    flat = to_rgb_or_l(img)
    factor = reduction_for(*flat.size)
    if factor > 1:
        flat = flat.reduce(factor)
        scale *= factor
    array = np.asarray(flat)
    luma = array.astype(np.float32) if flat.mode == "L" else luma_of(array)
    return Picture(luma, full_size, (float(scale), float(scale)))


def to_rgb_or_l(img: Image.Image) -> Image.Image:
    """Bring any Pillow mode to RGB or L; transparency is composited onto white."""
    mode = img.mode
    if mode in ("RGB", "L"):
        return img
    if mode in ("I", "F") or mode.startswith("I;16"):
        return _high_depth_to_l(img)
    if mode in _ALPHA_MODES or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA") if mode != "La" else img.convert("LA").convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", img.size, _WHITE), rgba).convert("RGB")
    if mode == "1":
        return img.convert("L")
    return img.convert("RGB")


def _high_depth_to_l(img: Image.Image) -> Image.Image:
    """Scale 16-bit, 32-bit integer or float samples to 0..255 (Pillow's convert clips)."""
    values = np.asarray(img, dtype=np.float32)
    top = float(values.max()) if values.size else 0.0
    if img.mode == "F" and top <= 1.0:
        values = values * 255.0
    elif top > 255.0:
        values = values * (255.0 / (65535.0 if top <= 65535.0 else top))
    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8))


def _orientation(img: Image.Image) -> int:
    try:
        return int(img.getexif().get(0x0112, 1))
    except Exception:
        return 1


def animated_frames(
    data: bytes, fmt: str, budget: DecodeBudget
) -> Iterator[tuple[float, Image.Image]]:
    """Yield (start second, composited frame) of an animated GIF, WebP or PNG, in budget."""
    img = open_image(data, fmt, budget.limits)
    with img:
        width, height = img.size
        declared, cut_short = _declared_frames(data, img, fmt, budget)
        budget.check_declared(
            frames=declared, width=width, height=height, duration=None, at_least=cut_short
        )
        elapsed_ms = 0.0
        try:
            for frame in ImageSequence.Iterator(img):
                # Counted before Pillow composites it onto the whole canvas.
                budget.spend(second=elapsed_ms / 1000.0, width=width, height=height)
                yield elapsed_ms / 1000.0, frame
                # Browsers show frames of 0-10 ms for 100 ms; so do we.
                duration = float(frame.info.get("duration") or 0)
                elapsed_ms += duration if duration > 10 else 100.0
        except (MediaError, GeneratorExit):
            raise
        except Exception as exc:
            raise corrupt(fmt) from exc


def _declared_frames(
    data: bytes, img: Image.Image, fmt: str, budget: DecodeBudget
) -> tuple[int, bool]:
    """How many frames the animation holds (and whether counting stopped), none composited."""
    if fmt == "gif":  # Pillow's own count would walk every frame in Python, unbounded
        canvas = max(1, img.size[0] * img.size[1])
        cap = min(budget.limits.max_video_frames, budget.max_pixels // canvas)
        frames = count_frames(data, stop_after=cap)
        return frames, frames > cap
    return int(getattr(img, "n_frames", 1)), False  # WebP and APNG state it in their headers


def corrupt(fmt: str) -> MediaError:
    """The error for a file of a known type that cannot be decoded."""
    return MediaError("corrupt", f"The {fmt.upper()} file is damaged or truncated.")


def _too_many_pixels(size: tuple[int, int] | None, limits: MediaLimits) -> MediaError:
    shown = f" ({size[0]} x {size[1]})" if size else ""
    return MediaError(
        "too_many_pixels",
        f"The picture is too large{shown}; the limit is {limits.max_pixels:,} pixels.",
    )
