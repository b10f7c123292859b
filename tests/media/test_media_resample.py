"""The banded downscale weights equal the dense construction they replaced, for any size."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from shieldwall.media.resample import PDQ_SIZE, axis_weights


def _dense_full_weights(full: int) -> npt.NDArray[np.float64]:
    """pdqhash's Jarosz blur + decimation as a dense 64 x full matrix (the old construction)."""
    window = (full + 2 * PDQ_SIZE - 1) // (2 * PDQ_SIZE)
    half = (window + 2) // 2
    lo, hi = half - window, half - 1
    weights = np.zeros((PDQ_SIZE, full))
    samples = ((np.arange(PDQ_SIZE) + 0.5) * full / PDQ_SIZE).astype(int)
    weights[np.arange(PDQ_SIZE), samples] = 1.0
    idx = np.arange(full)
    count = np.minimum(idx + hi, full - 1) - np.maximum(idx + lo, 0) + 1
    first, last = np.clip(idx - hi, 0, full), np.clip(idx - lo + 1, 0, full)
    for _ in range(2):
        cum = np.concatenate([np.zeros((PDQ_SIZE, 1)), np.cumsum(weights / count, axis=1)], 1)
        weights = cum[:, last] - cum[:, first]
    return weights


def _dense_reduced(full: int, reduced: int, scale: float) -> npt.NDArray[np.float64]:
    """The dense 64 x reduced weights: full weights integrated over each reduced pixel."""
    cum = np.concatenate([np.zeros((PDQ_SIZE, 1)), np.cumsum(_dense_full_weights(full), 1)], 1)
    edges = np.minimum(np.arange(reduced + 1) * scale, full)
    integrated = np.stack([np.interp(edges, np.arange(full + 1), row) for row in cum])
    return np.diff(integrated, axis=1)


def _as_dense(full: int, reduced: int, scale: float) -> npt.NDArray[np.float64]:
    idx, weights = axis_weights(full, reduced, scale)
    dense = np.zeros((PDQ_SIZE, reduced))
    rows = np.repeat(np.arange(PDQ_SIZE)[:, None], idx.shape[1], axis=1)
    np.add.at(dense, (rows, idx), weights.astype(np.float64))
    return dense


SIZES = [1, 2, 5, 63, 64, 65, 127, 128, 129, 300, 511, 768, 1000, 1080, 1350, 2048, 4032, 6000]


@pytest.mark.parametrize("scale", [1.0, 2.0, 2.5, 3.0, 4.0, 8.0])
@pytest.mark.parametrize("full", SIZES)
def test_banded_weights_equal_the_dense_construction(full: int, scale: float) -> None:
    reduced = max(1, int(np.ceil(full / scale)))
    expected = _dense_reduced(full, reduced, scale)
    got = _as_dense(full, reduced, scale)
    assert np.allclose(got, expected, atol=1e-6), np.abs(got - expected).max()
    assert np.allclose(got.sum(axis=1), 1.0, atol=1e-5)  # every sample is an average
