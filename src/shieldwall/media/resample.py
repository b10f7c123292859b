"""Reproduce PDQ's full-resolution downscale from a reduced decode, for speed.

pdqhash blurs the full image with two passes of a box filter (Jarosz) whose width
depends on the image size, then samples 64x64 points. Hashing a smaller decode instead
changes the filter width and, because PDQ's even-width boxes are off-centre, shifts the
samples, which costs 15-30 bits. Here the exact full-resolution weights are computed once
per size and integrated over the reduced pixels, so a 1/4-scale decode gives a 64x64 luma
image whose PDQ is within a few bits of the full-resolution one. pdqhash then sees a 64x64
image, for which its own filter is the identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from shieldwall.media.borders import Box

PDQ_SIZE = 64
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)

Luma = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.intp]


def luma_of(rgb: npt.NDArray[np.uint8]) -> Luma:
    """Return the float32 luma plane of an RGB array, with PDQ's coefficients."""
    return np.asarray(rgb, dtype=np.float32) @ _LUMA


def _box_kernels(full: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """pdqhash's Jarosz blur + decimation along one axis, as 64 short kernels.

    Returns (starts, weights): output i is the sum of weights[i, a] * input[starts[i] + a].
    Each output reads only about full/64 inputs, so the kernels are built directly (two
    passes of the transposed box filter applied to a delta at the sample), not as a dense
    64 x full matrix: a picture size costs tens of microseconds, not milliseconds, which
    matters when a picture's near copies hash two dozen sizes.
    """
    window = (full + 2 * PDQ_SIZE - 1) // (2 * PDQ_SIZE)
    half = (window + 2) // 2
    lo, hi = half - window, half - 1  # each box output k averages inputs k+lo .. k+hi
    samples = ((np.arange(PDQ_SIZE) + 0.5) * full / PDQ_SIZE).astype(np.intp)

    def count(k: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
        """How many in-range inputs box output k averages."""
        return (np.minimum(k + hi, full - 1) - np.maximum(k + lo, 0) + 1).astype(np.float64)

    # First transposed pass: the sample's box spreads 1/count over inputs k = s+lo .. s+hi;
    # the second pass divides each of those by its own count and spreads it again.
    k = samples[:, None] + lo + np.arange(window)[None, :]
    inside = (k >= 0) & (k < full)
    spread = np.where(inside, 1.0 / (count(samples)[:, None] * count(np.clip(k, 0, full - 1))), 0)
    cum = np.concatenate([np.zeros((PDQ_SIZE, 1)), np.cumsum(spread, axis=1)], axis=1)
    offsets = np.arange(2 * lo, 2 * hi + 1)  # input j = s + offset
    first = np.clip(offsets - hi - lo, 0, window)
    last = np.clip(offsets - 2 * lo + 1, 0, window)
    weights = cum[:, last] - cum[:, first]
    j = samples[:, None] + offsets[None, :]
    weights[(j < 0) | (j >= full)] = 0.0
    return samples + 2 * lo, weights


@lru_cache(maxsize=512)
def _reduced_band(full: int, reduced: int, scale: float) -> tuple[IntArray, Luma]:
    """Banded weights for pixels that each average `scale` full-size pixels.

    Returns (indices, weights), both 64 x K: output i is the weighted sum of the K reduced
    pixels indices[i]. Banded because a BLAS matrix product here contends for cores with
    the video decoder's threads (measured 30 ms instead of 0.2 ms a frame on a busy host).
    """
    starts, kernels = _box_kernels(full)
    length = kernels.shape[1]
    # Cumulative weight of each kernel, piecewise linear between whole input positions.
    cum = np.concatenate([np.zeros((PDQ_SIZE, 1)), np.cumsum(kernels, axis=1)], axis=1)
    first_px = np.floor(np.maximum(starts, 0) / scale).astype(np.intp)
    span = int(np.ceil((length + 1) / scale)) + 2
    px = first_px[:, None] + np.arange(span)[None, :]

    def cumulative_at(edge: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        local = np.clip(edge - starts[:, None], 0, length)
        whole = np.minimum(np.floor(local).astype(np.intp), length - 1)
        frac = local - whole
        lo_v = np.take_along_axis(cum, whole, axis=1)
        hi_v = np.take_along_axis(cum, whole + 1, axis=1)
        return lo_v + frac * (hi_v - lo_v)

    left = np.minimum(px * scale, full).astype(np.float64)
    right = np.minimum((px + 1) * scale, full).astype(np.float64)
    weights = cumulative_at(right) - cumulative_at(left)
    weights[(px >= reduced) | (weights <= 1e-12)] = 0.0
    return np.minimum(px, reduced - 1), weights.astype(np.float32)


def axis_weights(full: int, reduced: int, scale: float) -> tuple[IntArray, Luma]:
    """The banded weights that bring one axis of a reduced picture to PDQ's 64 samples."""
    return _reduced_band(full, reduced, scale)


def pdq_input(
    luma: Luma, full_size: tuple[int, int], scale: tuple[float, float]
) -> npt.NDArray[np.uint8]:
    """Return the 64x64x3 uint8 image that pdqhash hashes like the full-size original.

    `luma` is the reduced image (height x width); `full_size` is the original (width,
    height); `scale` is how many original pixels one reduced pixel spans (x, y).
    """
    height, width = luma.shape
    row_idx, row_w = _reduced_band(max(full_size[1], 1), height, scale[1])
    col_idx, col_w = _reduced_band(max(full_size[0], 1), width, scale[0])
    rows = np.einsum("ik,ikw->iw", row_w, luma[row_idx])  # 64 x width
    small = np.einsum("jk,ijk->ij", col_w, rows[:, col_idx])  # 64 x 64
    pixels = np.clip(np.rint(small), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(pixels[:, :, None], 3, axis=2))


@dataclass(frozen=True)
class Picture:
    """A reduced luma plane and how it maps onto the full-size picture it came from."""

    luma: Luma  # height x width, float32, 0..255
    full_size: tuple[int, int]  # (width, height) of the original, after orientation
    scale: tuple[float, float]  # original pixels per reduced pixel, (x, y)

    def crop(self, box: Box) -> Picture:
        """Return the picture cut down to `box` (in reduced pixels)."""
        height, width = self.luma.shape
        if box.is_whole(height, width):
            return self
        full_w = min(round((box.right - box.left) * self.scale[0]), self.full_size[0])
        full_h = min(round((box.bottom - box.top) * self.scale[1]), self.full_size[1])
        luma = self.luma[box.top : box.bottom, box.left : box.right]
        return Picture(luma, (max(full_w, 1), max(full_h, 1)), self.scale)

    def pdq_input(self) -> npt.NDArray[np.uint8]:
        """Return the 64x64x3 image that pdqhash hashes like the full-size picture."""
        return pdq_input(self.luma, self.full_size, self.scale)


def reduction_for(width: int, height: int, target: int = 200) -> int:
    """Integer factor that brings the short side down to no less than `target` pixels."""
    return max(1, min(width, height) // target)
