"""Near copies: a picture's small crops and rotations, and uploads with a caption bar added."""

from __future__ import annotations

import numpy as np
import pytest
from tests.photos import BANKED, NEAR_COPY_EDITS, captioned, jpeg, ordinary_photos, photo, png

from shieldwall.media import hamming, hash_bytes
from shieldwall.media.detect import detect_format
from shieldwall.media.image import decode_still
from shieldwall.media.limits import MediaLimits
from shieldwall.media.nearcopy import _crop_boxes, _Crops, caption_stripped

THRESHOLD = 31


def _queries(data: bytes) -> list[str]:
    """The hashes a scan matches: the eight turns and flips, untrimmed, caption stripped."""
    h = hash_bytes(data)
    return [*h.pdq_dihedral, *h.pdq_untrimmed, *h.pdq_stripped]


def test_near_copies_are_hashed_only_when_asked() -> None:
    data = jpeg(photo("coffee"))
    assert hash_bytes(data).pdq_near == ()
    near = hash_bytes(data, near_copies=True).pdq_near
    edits = [c.edit for c in near]
    assert len(edits) == len(set(edits)) == 55
    assert {"crop top 5%", "crop 5% each side", "rotate -5 degrees", "straighten 3.5 degrees"} <= {
        *edits
    }
    assert all(len(c.pdq) == 64 and 0 <= c.quality <= 100 for c in near)


@pytest.mark.parametrize("edit", sorted(NEAR_COPY_EDITS))
def test_every_edit_of_a_banked_photo_lands_within_matching_distance(edit: str) -> None:
    for name in BANKED:
        original = hash_bytes(jpeg(photo(name)), near_copies=True)
        banked = [original.pdq or "", *(c.pdq for c in original.pdq_near)]
        queries = _queries(NEAR_COPY_EDITS[edit](photo(name)))
        best = min(hamming(q, b) for q in queries for b in banked)
        assert best <= THRESHOLD, (name, edit, best)


def test_the_edits_are_far_from_the_plain_hash() -> None:
    """Without near copies (and without stripping captions) most edits would pass."""
    far = 0
    for name in BANKED:
        original = hash_bytes(jpeg(photo(name))).pdq or ""
        for edit in NEAR_COPY_EDITS.values():
            h = hash_bytes(edit(photo(name)))
            far += min(hamming(q, original) for q in (*h.pdq_dihedral, *h.pdq_untrimmed)) > 31
    assert far >= 0.9 * len(BANKED) * len(NEAR_COPY_EDITS)


def test_a_caption_bar_is_stripped_to_reveal_the_picture_under_it() -> None:
    for name in BANKED:
        original = hash_bytes(jpeg(photo(name))).pdq or ""
        for bar in (0.1, 0.2, 0.3):
            stripped = hash_bytes(jpeg(captioned(photo(name), bar=bar))).pdq_stripped
            assert stripped, (name, bar)
            assert min(hamming(s, original) for s in stripped) <= 12, (name, bar)


def test_ordinary_photos_have_no_caption_band() -> None:
    """Skies, margins and starfields are not caption bars (no extra query hash for them)."""
    found = [n for n, img in ordinary_photos().items() if hash_bytes(jpeg(img)).pdq_stripped]
    assert found == []


def test_shared_column_reduction_gives_the_same_pdq_input() -> None:
    for name in ("astronaut", "chelsea", "coffee"):
        for size in ((1024, 768), (1080, 1350)):
            data = jpeg(photo(name).resize(size))
            picture = decode_still(data, detect_format(data)[1], MediaLimits())
            crops = _Crops(picture)
            for _, box in _crop_boxes(picture):
                fast = crops.pixels(box).astype(int)
                exact = picture.crop(box).pdq_input()[:, :, 0].astype(int)
                assert np.abs(fast - exact).max() <= 1, (name, size, box)


def test_no_caption_band_in_a_tiny_or_plain_picture() -> None:
    from PIL import Image

    for img in (Image.new("RGB", (6, 6), "white"), Image.new("RGB", (300, 200), "white")):
        data = jpeg(img)
        picture = decode_still(data, "jpeg", MediaLimits())
        assert caption_stripped(picture) == ()


def test_batched_pdq_equals_pdqhash() -> None:
    from shieldwall.media.pdq import pdq_of, pdq_of_many

    rng = np.random.default_rng(7)
    images = [rng.integers(0, 256, (64, 64), dtype=np.uint8) for _ in range(20)]
    for name in ("astronaut", "camera", "coffee"):
        data = jpeg(photo(name))
        picture = decode_still(data, "jpeg", MediaLimits())
        crops = _Crops(picture)
        images += [crops.pixels(box) for _, box in _crop_boxes(picture)]
    got = pdq_of_many(np.stack(images))
    expected = [pdq_of(np.ascontiguousarray(np.repeat(i[:, :, None], 3, axis=2))) for i in images]
    assert got == expected
    flat = pdq_of_many(np.full((1, 64, 64), 128, dtype=np.uint8))
    assert flat[0][1] == 0  # no detail: quality 0, never used for matching


@pytest.mark.parametrize("size", [(1, 1), (3, 500), (500, 2), (9, 9), (64, 64), (200, 30000)])
def test_near_copies_of_odd_shapes(size: tuple[int, int]) -> None:
    """Tiny pictures, one-pixel strips and a long panorama: every variant made, work bounded."""
    from PIL import Image

    from shieldwall.media.nearcopy import _MAX_PIXELS, _bounded

    rng = np.random.default_rng(1)
    img = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    data = png(img)
    h = hash_bytes(data, near_copies=True)
    assert len(h.pdq_near) == 55
    picture = decode_still(data, "png", MediaLimits())
    assert _bounded(picture).luma.size <= _MAX_PIXELS * 1.1
