"""Dihedral PDQ variants: computed from pixels, and approximated from a hash alone."""

from __future__ import annotations

import numpy as np
import pdqhash

from conftest import PDQ_DIR, photo
from shieldwall.media import dihedral_from_hash, hamming, hash_file
from shieldwall.media.pdq import _DIHEDRAL, pdq_dihedral_of

# File k of reg-test-input/dih is variant k of pdqhash's order (original, rot 90, rot 180,
# rot 270, flip x, flip y, flip +1, flip -1).
DIH_FILES = sorted((PDQ_DIR / "dih").glob("*.jpg"))
# Measured: each variant of the original is 0-8 bits from the hash of the turned file.
VARIANT_BOUND = 8
# Measured on the dih files and bridge photos: derived variants are 0-16 bits from the
# true ones (mean about 7). Useful for lookups at the usual threshold of 31.
FROM_HASH_BOUND = 16


def test_dihedral_of_original_matches_each_turned_file() -> None:
    original = hash_file(DIH_FILES[0])
    assert len(DIH_FILES) == 8
    for index, path in enumerate(DIH_FILES):
        turned = hash_file(path).pdq or ""
        assert hamming(original.pdq_dihedral[index], turned) <= VARIANT_BOUND, path.name


def test_dihedral_from_hash_is_close_to_the_true_variants() -> None:
    distances = []
    for path in DIH_FILES:
        result = hash_file(path)
        derived = dihedral_from_hash(result.pdq or "")
        assert derived[0] == result.pdq
        distances += [hamming(a, b) for a, b in zip(derived, result.pdq_dihedral, strict=True)]
    assert max(distances) <= FROM_HASH_BOUND
    assert np.mean(distances) <= 8


def test_dihedral_from_hash_finds_turned_copies() -> None:
    original = hash_file(DIH_FILES[0]).pdq or ""
    for index, path in enumerate(DIH_FILES):
        derived = dihedral_from_hash(original)[index]
        assert hamming(derived, hash_file(path).pdq or "") <= FROM_HASH_BOUND, path.name


def test_sign_table_is_exact_on_dct_coefficients() -> None:
    """With the real coefficients and median the table reproduces compute_dihedral."""
    array = np.ascontiguousarray(np.asarray(photo().reduce(4)))
    flat, _ = pdqhash.compute_float(array)
    coefficients = np.asarray(flat)[::-1].reshape(16, 16)
    true_variants, _ = pdq_dihedral_of(array)
    even = np.arange(16) % 2 == 0
    for (transpose, neg_rows, neg_cols), expected in zip(_DIHEDRAL, true_variants, strict=True):
        grid = coefficients.T.copy() if transpose else coefficients.copy()
        if neg_rows:
            grid[even, :] *= -1
        if neg_cols:
            grid[:, even] *= -1
        bits = (grid > np.median(grid)).reshape(-1)[::-1]
        assert np.packbits(bits).tobytes().hex() == expected
