"""Ordinary public photos (scikit-image's samples) and the edits re-uploaders make to them."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps
from skimage import data as skdata

BANKED = ("astronaut", "chelsea", "coffee", "rocket", "stereo_motorcycle", "camera")
OTHERS = (
    "hubble_deep_field",
    "retina",
    "moon",
    "coins",
    "brick",
    "page",
    "grass",
    "immunohistochemistry",
)


def photo(name: str) -> Image.Image:
    """One of scikit-image's sample photos as an RGB image."""
    array = getattr(skdata, name)()
    if isinstance(array, tuple):  # stereo pairs: take the left view
        array = array[0]
    if array.dtype != np.uint8:
        array = (array * 255).astype(np.uint8) if array.max() <= 1 else array.astype(np.uint8)
    return Image.fromarray(array).convert("RGB")


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    """The image encoded as JPEG."""
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    """The image encoded as PNG."""
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _watermark(img: Image.Image) -> Image.Image:
    """A reposter's handle in semi-transparent white across the lower right, as apps stamp it."""
    base = img.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = base.size
    font = ImageFont.load_default(size=max(12, h // 14))
    draw.text((w * 0.55, h * 0.85), "@reposter", font=font, fill=(255, 255, 255, 140))
    return Image.alpha_composite(base, layer).convert("RGB")


def _letterbox(img: Image.Image) -> Image.Image:
    w, h = img.size
    out = Image.new("RGB", (w, h + h // 2), (0, 0, 0))
    out.paste(img, (0, h // 4))
    return out


def _pillarbox(img: Image.Image) -> Image.Image:
    w, h = img.size
    out = Image.new("RGB", (w + w // 2, h), (255, 255, 255))
    out.paste(img, (w // 4, 0))
    return out


EDITS: dict[str, Callable[[Image.Image], bytes]] = {
    "resized_50": lambda i: jpeg(i.resize((i.width // 2, i.height // 2), Image.Resampling.LANCZOS)),
    "jpeg_q30": lambda i: jpeg(i, quality=30),
    "greyscale": lambda i: jpeg(ImageOps.grayscale(i)),
    "brightened_30": lambda i: jpeg(ImageEnhance.Brightness(i).enhance(1.3)),
    "watermarked": lambda i: jpeg(_watermark(i)),
    "mirrored": lambda i: jpeg(ImageOps.mirror(i)),
    "rotated_90": lambda i: jpeg(i.rotate(90, expand=True)),
    "letterboxed": lambda i: jpeg(_letterbox(i)),
    "pillarboxed": lambda i: png(_pillarbox(i)),
}
