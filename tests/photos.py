"""Ordinary public photos (scikit-image's samples) and the edits re-uploaders make to them."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

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


# --- near copies: the edits a re-uploader makes to a removed picture ---------------------


def crop(
    img: Image.Image, top: float = 0.0, bottom: float = 0.0, left: float = 0.0, right: float = 0.0
) -> Image.Image:
    """The image with these fractions of its height and width cut from each side."""
    w, h = img.size
    return img.crop((round(left * w), round(top * h), round(w - right * w), round(h - bottom * h)))


def rotated(img: Image.Image, degrees: float) -> Image.Image:
    """Turned counter-clockwise in place, the corners left black (Pillow's and most tools')."""
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC)


def straightened(img: Image.Image, degrees: float) -> Image.Image:
    """Turned, then cut to the largest centred rectangle without corners, as phone editors do."""
    w, h = img.size
    t = math.radians(abs(degrees))
    keep = 1 / (math.cos(t) + max(w, h) / min(w, h) * math.sin(t))
    f = (1 - keep) / 2 + 0.005
    return crop(rotated(img, degrees), f, f, f, f)


def captioned(img: Image.Image, text: str = "placeholder caption", bar: float = 0.2) -> Image.Image:
    """A white caption bar with black text added above the picture, as meme makers do."""
    w, h = img.size
    height = round(h * bar)
    out = Image.new("RGB", (w, h + height), (255, 255, 255))
    out.paste(img, (0, height))
    font = ImageFont.load_default(size=max(10, height // 3))
    ImageDraw.Draw(out).text((w * 0.05, height * 0.3), text, fill=(0, 0, 0), font=font)
    return out


NEAR_COPY_EDITS: dict[str, Callable[[Image.Image], bytes]] = {
    "cropped_centre_5": lambda i: jpeg(crop(i, 0.025, 0.025, 0.025, 0.025)),
    "cropped_centre_10": lambda i: jpeg(crop(i, 0.05, 0.05, 0.05, 0.05)),
    "cropped_10_each_side": lambda i: jpeg(crop(i, 0.1, 0.1, 0.1, 0.1)),
    "cropped_right_5": lambda i: jpeg(crop(i, right=0.05)),
    "cropped_top_10": lambda i: jpeg(crop(i, top=0.10)),
    "cropped_left_10_resized": lambda i: jpeg(crop(i, left=0.10).resize(i.size)),
    "rotated_3": lambda i: jpeg(rotated(i, 3)),
    "rotated_minus_5": lambda i: jpeg(rotated(i, -5)),
    "straightened_3": lambda i: jpeg(straightened(i, 3)),
    "straightened_5": lambda i: jpeg(straightened(i, 5)),
    "captioned": lambda i: jpeg(captioned(i)),
    "captioned_below_small": lambda i: jpeg(
        captioned(i.rotate(180), "small caption", 0.12).rotate(180)
    ),
}

_FIXTURES = Path(__file__).parent / "fixtures" / "pdq"
ORDINARY_SAMPLES = (
    "brick",
    "cell",
    "coins",
    "colorwheel",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "page",
    "retina",
    "text",
)
ORDINARY_FILES = (
    "bridge-mods/aaa-orig.jpg",
    "exif-rotn/exif-rotn-1.jpg",
    "misc-images/c.png",
    "misc-images/small.jpg",
    "misc-images/wee.jpg",
)


def _quarters(img: Image.Image) -> list[Image.Image]:
    w, h = img.size
    boxes = ((0, 0, w // 2, h // 2), (w // 2, 0, w, h // 2), (0, h // 2, w // 2, h))
    return [img.crop(b) for b in (*boxes, (w // 2, h // 2, w, h))]


def ordinary_photos() -> dict[str, Image.Image]:
    """Ordinary pictures that are none of BANKED nor copies of them, to catch false matches.

    scikit-image's other sample photos, the ThreatExchange fixture photos (one bridge photo
    only: the rest are edits of it), and the four quarters of each banked photo and of the
    larger samples: other pictures cut from the same photos, the hardest negatives there are.
    """
    out = {name: photo(name) for name in ORDINARY_SAMPLES}
    for rel in ORDINARY_FILES:
        with Image.open(_FIXTURES / rel) as img:
            out[rel] = ImageOps.exif_transpose(img).convert("RGB")
    for name in (*BANKED, "retina", "hubble_deep_field", "immunohistochemistry"):
        for n, part in enumerate(_quarters(photo(name))):
            out[f"{name} quarter {n + 1}"] = part
    return out
