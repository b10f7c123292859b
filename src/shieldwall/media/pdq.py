"""PDQ hashes as threatexchange writes them: 64 lowercase hex chars, first bit most significant."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pdqhash

PDQ_HEX_LENGTH = 64

# How each of the 8 dihedral variants (pdqhash's order: original, rotate 90, rotate 180,
# rotate 270, flip x, flip y, flip +1, flip -1) rearranges the 16x16 DCT coefficients:
# (transpose, negate even rows, negate even columns). PDQ's DCT skips the DC term, so the
# row/column index i is frequency i + 1 and the sign flips land on even indices. Measured
# against pdqhash.compute_float / compute_dihedral (tests/media/test_dihedral.py).
_DIHEDRAL = (
    (False, False, False),
    (True, True, False),
    (False, True, True),
    (True, False, True),
    (False, True, False),
    (False, False, True),
    (True, False, False),
    (True, True, True),
)


def pdq_hex_to_bytes(pdq_hex: str) -> bytes:
    """Return the 32 bytes of a 64-hex-char PDQ hash, or raise ValueError."""
    if len(pdq_hex) != PDQ_HEX_LENGTH:
        raise ValueError(f"a PDQ hash has {PDQ_HEX_LENGTH} hex characters, got {len(pdq_hex)}")
    return bytes.fromhex(pdq_hex)


def pdq_bytes_to_hex(pdq_bytes: bytes) -> str:
    """Return the 64 lowercase hex chars of a 32-byte PDQ hash."""
    if len(pdq_bytes) != PDQ_HEX_LENGTH // 2:
        raise ValueError(f"a PDQ hash has 32 bytes, got {len(pdq_bytes)}")
    return pdq_bytes.hex()


def hamming(a_hex: str, b_hex: str) -> int:
    """Return the number of differing bits between two PDQ hex hashes."""
    a, b = pdq_hex_to_bytes(a_hex), pdq_hex_to_bytes(b_hex)
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def bits_to_hex(bits: npt.ArrayLike) -> str:
    """Return the hex of a pdqhash bit vector, in threatexchange's bit order (bit 0 first)."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_of(image64: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """Return (pdq hex, quality) of an RGB uint8 array."""
    bits, quality = pdqhash.compute(image64)
    return bits_to_hex(bits), int(quality)


# PDQ's 64-to-16 DCT (frequencies 1-16; the DC term is skipped), as pdqhash builds it.
_DCT16 = (
    np.sqrt(2 / 64) * np.cos(np.pi / 2 / 64 * np.outer(np.arange(1, 17), 2 * np.arange(64) + 1))
).astype(np.float32)


def pdq_of_many(pixels: npt.NDArray[np.uint8]) -> list[tuple[str, int]]:
    """(pdq hex, quality) of each of N 64x64 grey images, as `pdq_of` gives them, at once.

    A 64x64 picture is what `Picture.pdq_input` makes, for which pdqhash's blur is the
    identity; what remains is its DCT, a median threshold and its gradient quality, done here
    for a whole batch (a third of the time of one pdqhash call each).
    """
    a = np.asarray(pixels, dtype=np.float32).reshape(-1, 64, 64)
    coefficients = (_DCT16 @ a @ _DCT16.T).reshape(len(a), 256)
    median = np.partition(coefficients, 127, axis=1)[:, 127:128]  # torben's: the 128th smallest
    packed = np.packbits((coefficients > median)[:, ::-1], axis=1)  # bit 255 first, as hex
    down = np.abs(np.trunc((a[:, :-1, :] - a[:, 1:, :]) * 100 / 255)).sum(axis=(1, 2))
    across = np.abs(np.trunc((a[:, :, :-1] - a[:, :, 1:]) * 100 / 255)).sum(axis=(1, 2))
    quality = np.minimum(100, (down + across) // 90).astype(int)
    return [(row.tobytes().hex(), int(q)) for row, q in zip(packed, quality, strict=True)]


def pdq_dihedral_of(image64: npt.NDArray[np.uint8]) -> tuple[tuple[str, ...], int]:
    """Return the 8 dihedral PDQ hex hashes (index 0 is the original) and the quality."""
    vectors, quality = pdqhash.compute_dihedral(image64)
    return tuple(bits_to_hex(v) for v in vectors), int(quality)


def dihedral_from_hash(pdq_hex: str) -> tuple[str, ...]:
    """Approximate the 8 dihedral variants of a PDQ hash from its bits alone (best effort).

    Exact would need the DCT coefficients and their median; flipping the bit of a negated
    coefficient is wrong only for coefficients lying between the median and its negative.
    """
    msb_first = np.unpackbits(np.frombuffer(pdq_hex_to_bytes(pdq_hex), dtype=np.uint8))
    grid = msb_first[::-1].reshape(16, 16).astype(bool)  # grid[i, j] is bit i * 16 + j
    even = np.arange(16) % 2 == 0
    variants = []
    for transpose, neg_rows, neg_cols in _DIHEDRAL:
        g = grid.T if transpose else grid
        flip = np.zeros((16, 16), dtype=bool)
        if neg_rows:
            flip ^= even[:, None]
        if neg_cols:
            flip ^= even[None, :]
        out = g ^ flip
        variants.append(np.packbits(out.reshape(-1)[::-1]).tobytes().hex())
    return tuple(variants)
