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


@lru_cache(maxsize=512)
def _full_weights(full: int) -> npt.NDArray[np.float64]:
    """Weights (64 x full) of pdqhash's Jarosz blur + decimation along one axis."""
    window = (full + 2 * PDQ_SIZE - 1) // (2 * PDQ_SIZE)
    half = (window + 2) // 2
    lo, hi = half - window, half - 1  # each box output k averages inputs k+lo .. k+hi
    weights = np.zeros((PDQ_SIZE, full))
    samples = ((np.arange(PDQ_SIZE) + 0.5) * full / PDQ_SIZE).astype(int)
    weights[np.arange(PDQ_SIZE), samples] = 1.0
    idx = np.arange(full)
    count = np.minimum(idx + hi, full - 1) - np.maximum(idx + lo, 0) + 1
    first, last = np.clip(idx - hi, 0, full), np.clip(idx - lo + 1, 0, full)
    for _ in range(2):  # pdqhash filters twice; apply the transposed box to the weights
        cum = np.concatenate([np.zeros((PDQ_SIZE, 1)), np.cumsum(weights / count, axis=1)], 1)
        weights = cum[:, last] - cum[:, first]
    return weights


@lru_cache(maxsize=512)
def _reduced_band(full: int, reduced: int, scale: float) -> tuple[IntArray, Luma]:
    """Banded weights for pixels that each average `scale` full-size pixels.

    Returns (indices, weights), both 64 x K: output i is the weighted sum of the K reduced
    pixels indices[i]. Banded because a BLAS matrix product here contends for cores with
    the video decoder's threads (measured 30 ms instead of 0.2 ms a frame on a busy host).
    """
    cum = np.concatenate([np.zeros((PDQ_SIZE, 1)), np.cumsum(_full_weights(full), axis=1)], 1)
    edges = np.minimum(np.arange(reduced + 1) * scale, full)
    positions = np.arange(full + 1)
    integrated = np.stack([np.interp(edges, positions, row) for row in cum])
    dense = np.diff(integrated, axis=1)
    nonzero = dense > 1e-12
    first = nonzero.argmax(axis=1)
    last = reduced - 1 - nonzero[:, ::-1].argmax(axis=1)
    span = first[:, None] + np.arange(int((last - first).max()) + 1)[None, :]
    indices = np.minimum(span, reduced - 1)
    weights = np.take_along_axis(dense, indices, axis=1)
    weights[span > last[:, None]] = 0.0
    return indices, weights.astype(np.float32)


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
