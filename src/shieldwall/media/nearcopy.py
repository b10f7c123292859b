"""Near copies of a picture: the small crops and rotations a re-uploader makes, and caption bars.

PDQ shrugs off resizing, recompression and colour changes, but not geometry: cutting 5 % off
one side moves a photo's hash 40-80 bits, rotating it 3 degrees 40-65 bits, where matching
stops at 31. So media banked from its bytes keeps the hashes of a few edits of itself
(`near_copies`, 55 of them): crops of up to 10 % from one side, two opposite sides, every
side or a corner, and rotations of up to 5 degrees with black corners or cut away as
"straighten" does. A copy that lands near one of those lands within matching distance.

A caption bar added above or below a picture works the other way round: the original is a
crop of the upload, so the query side strips plain bands with text at the edges
(`caption_stripped`) and hashes what is left.

Everything works on the reduced luma `Picture`, cropped or rotated before PDQ's downscale;
crops share their column reductions and all 55 are hashed in one batch, so the lot costs
about two decodes (bench/bench_nearcopy.py measures it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from shieldwall.media.borders import Box, content_box
from shieldwall.media.pdq import pdq_of_many
from shieldwall.media.resample import Picture, axis_weights

# Crops, as fractions of the side cut away: single sides every 2.5 %, opposite sides
# together (reframing to another shape), every side at once (from 1.25 % a side), and
# corners. Coverage measured with bench/bench_nearcopy.py.
SIDE_CROPS = (0.025, 0.05, 0.075, 0.10)
PAIRED_CROPS = (0.025, 0.05, 0.075, 0.10)
CENTRE_CROPS = (0.0125, 0.025, 0.05, 0.075, 0.10)
CORNER_CROPS = ((0.05, 0.05), (0.10, 0.10), (0.05, 0.10), (0.10, 0.05))  # (vertical, horizontal)
# Rotations in degrees (counter-clockwise), with black corners as most editors leave them,
# and "straightened": rotated, then cut to the largest upright rectangle with no corners.
ROTATIONS = (-5.0, -3.5, -2.0, 2.0, 3.5, 5.0)
STRAIGHTENED = (-5.0, -3.5, 3.5, 5.0)  # each one of ROTATIONS, cut
# Rotation is done on a picture reduced to about this short side: PDQ blurs far more than
# that resolution loses, and rotating the full reduced picture costs several times as much.
_ROTATE_SHORT_SIDE = 128
_MAX_PIXELS = 400_000  # variants are made from at most this many reduced pixels

# A caption band starts at an edge with a plain line (nearly all within CLOSE luma levels of
# the edge colour), holds text (lines at least TEXT_MIN plain), ends with a plain line, and
# takes between 3 % and 40 % of the picture.
_CLOSE = 12.0
_PLAIN = 0.95
_TEXT_MIN = 0.3
_BAND_MIN, _BAND_MAX = 0.03, 0.4
_TEXT_LINE = 0.9  # a line with text in it has more than a tenth of its pixels off the bar
_AFTER, _PICTURE_MAX = 3, 0.7  # the first lines past the band are mostly not bar-coloured


@dataclass(frozen=True)
class NearCopy:
    """The PDQ hash of one edit of a picture, and what the edit was ("crop top 5%")."""

    edit: str
    pdq: str
    quality: int


def near_copies(picture: Picture) -> tuple[NearCopy, ...]:
    """PDQ hashes of the picture's small crops and rotations, to bank beside its own hash."""
    picture = _bounded(picture)
    crops = _Crops(picture)
    labels, pixels = [], []
    for label, box in _crop_boxes(picture):
        labels.append(label)
        pixels.append(crops.pixels(box))
    small = _reduced(picture, _ROTATE_SHORT_SIDE)
    rotated = {d: rotate(small, d) for d in ROTATIONS}
    turns = [(f"rotate {d:g} degrees", rotated[d]) for d in ROTATIONS]
    turns += [(f"straighten {d:g} degrees", straighten(small, d, rotated[d])) for d in STRAIGHTENED]
    for label, turned in turns:
        labels.append(label)
        pixels.append(turned.pdq_input()[:, :, 0])
    hashes = pdq_of_many(np.stack(pixels))
    return tuple(NearCopy(label, pdq, q) for label, (pdq, q) in zip(labels, hashes, strict=True))


def _crop_boxes(picture: Picture) -> list[tuple[str, Box]]:
    height, width = picture.luma.shape

    def box(top: float = 0, bottom: float = 0, left: float = 0, right: float = 0) -> Box:
        return _box(height, width, top, bottom, left, right)

    boxes = []
    for f in SIDE_CROPS:
        for side in ("top", "bottom", "left", "right"):
            boxes.append((f"crop {side} {_pct(f)}", box(**{side: f})))
    for f in PAIRED_CROPS:
        boxes.append((f"crop top and bottom {_pct(f)}", box(top=f, bottom=f)))
        boxes.append((f"crop left and right {_pct(f)}", box(left=f, right=f)))
    for f in CENTRE_CROPS:
        boxes.append((f"crop {_pct(f)} each side", box(f, f, f, f)))
    for fv, fh in CORNER_CROPS:
        for vertical in ("top", "bottom"):
            for horizontal in ("left", "right"):
                cut = box(**{vertical: fv, horizontal: fh})
                label = f"crop {vertical} {_pct(fv)} {horizontal} {_pct(fh)}"
                boxes.append((label, cut))
    return boxes


class _Crops:
    """`pdq_input` of many crops of one picture, reducing each column range only once.

    PDQ's downscale is separable, so columns are brought to 64 samples first (the costly
    step, once per distinct column range) and each crop then only reduces its rows.
    """

    def __init__(self, picture: Picture) -> None:
        self.picture = picture
        self._by_column = np.ascontiguousarray(picture.luma.T)  # width x height
        self._columns: dict[tuple[int, int], npt.NDArray[np.float32]] = {}

    def pixels(self, box: Box) -> npt.NDArray[np.uint8]:
        """The 64x64 grey image of `picture.crop(box).pdq_input()`, up to float rounding."""
        cut = self.picture.crop(box)
        (full_w, full_h), (scale_x, scale_y) = cut.full_size, cut.scale
        key = (box.left, box.right)
        columns = self._columns.get(key)
        if columns is None:
            band = self._by_column[box.left : box.right]  # these columns, every row
            idx, weights = axis_weights(max(full_w, 1), band.shape[0], scale_x)
            columns = np.einsum("jk,jkh->hj", weights, band[idx])  # height x 64
            self._columns[key] = columns
        idx, weights = axis_weights(max(full_h, 1), cut.luma.shape[0], scale_y)
        small = np.einsum("ik,ikj->ij", weights, columns[box.top : box.bottom][idx])
        return np.clip(np.rint(small), 0, 255).astype(np.uint8)


def _pct(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def crop(
    picture: Picture, top: float = 0.0, bottom: float = 0.0, left: float = 0.0, right: float = 0.0
) -> Picture:
    """The picture with these fractions of its height and width cut from each side."""
    height, width = picture.luma.shape
    return picture.crop(_box(height, width, top, bottom, left, right))


def _box(height: int, width: int, top: float, bottom: float, left: float, right: float) -> Box:
    """The box these cuts leave, never less than one pixel (a sliver of a picture)."""
    t = min(round(top * height), height - 1)
    b = max(height - round(bottom * height), t + 1)
    lo = min(round(left * width), width - 1)
    r = max(width - round(right * width), lo + 1)
    return Box(t, b, lo, r)


def rotate(picture: Picture, degrees: float) -> Picture:
    """The picture turned counter-clockwise about its centre, corners black, same size."""
    img = Image.fromarray(np.ascontiguousarray(picture.luma, dtype=np.float32))  # mode "F"
    turned = img.rotate(degrees, resample=Image.Resampling.BILINEAR, fillcolor=0.0)
    return Picture(np.asarray(turned, dtype=np.float32), picture.full_size, picture.scale)


def straighten(picture: Picture, degrees: float, rotated: Picture | None = None) -> Picture:
    """Rotated, then cut to the largest centred rectangle of the same shape without corners."""
    height, width = picture.luma.shape
    t = math.radians(abs(degrees))
    aspect = max(width, height) / max(1, min(width, height))
    keep = 1.0 / (math.cos(t) + aspect * math.sin(t))
    f = (1.0 - keep) / 2.0
    return crop(rotated or rotate(picture, degrees), f, f, f, f)


def _bounded(picture: Picture) -> Picture:
    """The picture, averaged down if it holds more than _MAX_PIXELS (a long panorama).

    A decoded picture's short side is 200-400 pixels whatever its size, so its long side is
    bounded only by its shape: without this, a 1:150 strip would make every variant read
    millions of pixels. An ordinary photo is left as it is.
    """
    height, width = picture.luma.shape
    k = math.ceil(math.sqrt(height * width / _MAX_PIXELS))
    return _reduced_by(picture, k) if k >= 2 else picture


def _reduced(picture: Picture, short_side: int) -> Picture:
    """The picture averaged down by a whole factor to no less than `short_side` pixels."""
    height, width = picture.luma.shape
    return _reduced_by(picture, min(height, width) // short_side)


def _reduced_by(picture: Picture, k: int) -> Picture:
    """The picture averaged down over k x k blocks (unchanged for k < 2)."""
    height, width = picture.luma.shape
    k = min(k, height, width)
    if k < 2:
        return picture
    h, w = height // k * k, width // k * k
    luma = picture.luma[:h, :w].reshape(h // k, k, w // k, k).mean(axis=(1, 3))
    # The dropped remainder rows and columns shrink the full-size picture accordingly.
    full = (
        min(picture.full_size[0], round(w * picture.scale[0])),
        min(picture.full_size[1], round(h * picture.scale[1])),
    )
    scale = (picture.scale[0] * k, picture.scale[1] * k)
    return Picture(np.ascontiguousarray(luma, dtype=np.float32), full, scale)


def caption_stripped(whole: Picture) -> tuple[Picture, ...]:
    """The picture without each caption band found at its edges (none for most photos)."""
    height, width = whole.luma.shape
    out = []
    views = {
        "top": whole.luma,
        "bottom": whole.luma[::-1],
        "left": whole.luma.T,
        "right": whole.luma.T[::-1],
    }
    for side, lines in views.items():
        k = _band(lines)
        if not k:
            continue
        box = {
            "top": Box(k, height, 0, width),
            "bottom": Box(0, height - k, 0, width),
            "left": Box(0, height, k, width),
            "right": Box(0, height, 0, width - k),
        }[side]
        stripped = whole.crop(box)
        inner = content_box(stripped.luma)
        out.append(stripped.crop(inner) if inner is not None else stripped)
    return tuple(out)


def _band(lines: np.ndarray) -> int:
    """How many leading lines form a caption band: plain, then text, then plain again."""
    n = len(lines)
    if n < 8:
        return 0
    limit = int(n * _BAND_MAX)
    head = lines[: limit + 1]
    colour = float(np.median(head[0]))
    plain = (np.abs(head - colour) <= _CLOSE).mean(axis=1)
    if plain[0] < _PLAIN:
        return 0
    outside = np.flatnonzero(plain < _TEXT_MIN)
    reach = int(outside[0]) if outside.size else len(plain)
    margins = np.flatnonzero(plain[:reach] >= _PLAIN)
    end = int(margins[-1]) + 1
    if end > limit or end < max(2, n * _BAND_MIN):
        return 0
    # A caption has text in it, and the picture under it starts at once: a plain sky or a
    # dark starfield goes on past the "band" and is left alone.
    has_text = int((plain[:end] < _TEXT_LINE).sum()) >= 2
    after = plain[end : end + _AFTER]
    if not has_text or not after.size or float(after.mean()) >= _PICTURE_MAX:
        return 0
    return end
