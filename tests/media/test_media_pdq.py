"""PDQ of still images against Meta's reference hashes, threatexchange and each other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageOps
from threatexchange.signal_type.pdq.signal import PdqSignal

from conftest import PDQ_DIR, encode, photo, reference_hashes
from shieldwall.media import hamming, hash_bytes, hash_file, pdq_bytes_to_hex, pdq_hex_to_bytes
from shieldwall.media.image import picture_from, to_rgb_or_l
from shieldwall.media.pdq import bits_to_hex, pdq_of

# Measured: max 12 bits (c.png; full-resolution pdqhash is itself 10 bits from Meta's
# WebAssembly build there), most files 0-6.
REFERENCE_BOUND = 12
# Measured against threatexchange's PdqSignal.hash_from_file (full-size decode): max 6.
TE_BOUND = 6
FIXTURE_IMAGES = sorted(p for p in PDQ_DIR.rglob("*") if p.suffix in (".jpg", ".png"))


def test_every_reference_file_we_have_is_close() -> None:
    found = {p.name: p for p in FIXTURE_IMAGES}
    compared = 0
    for name, expected in reference_hashes().items():
        if name in found:
            ours = hash_file(found[name])
            assert hamming(ours.pdq or "", expected) <= REFERENCE_BOUND, name
            compared += 1
    assert compared == 15


def _threatexchange_can_read(path: Path) -> bool:
    """threatexchange ignores EXIF orientation and misreads modes 1, P and CMYK."""
    with Image.open(path) as img:
        return path.parent.name != "exif-rotn" and img.mode in ("RGB", "L", "LA")


UNROTATED = [p for p in FIXTURE_IMAGES if _threatexchange_can_read(p)]


@pytest.mark.parametrize("path", UNROTATED, ids=lambda p: p.name)
def test_close_to_threatexchange_full_resolution(path: Path) -> None:
    """Our reduced decode hashes like threatexchange's full-size one."""
    ours = hash_file(path, trim_borders=False)
    theirs = PdqSignal.hash_from_file(path)
    if ours.pdq_quality == 0:
        # A flat picture's hash carries no information, so it is never used for perceptual
        # matching; what must hold is that both sides see it as flat.
        with Image.open(path) as img:
            _, full_quality = pdqhash.compute(np.asarray(img.convert("RGB")))
        assert full_quality < 50
        return
    assert hamming(ours.pdq or "", theirs) <= TE_BOUND


def test_hex_is_threatexchange_bit_order() -> None:
    array = np.ascontiguousarray(np.asarray(photo().reduce(4)))
    bits, _ = pdqhash.compute(array)
    expected = "{:064x}".format(int("".join(str(int(b)) for b in bits), 2))
    assert bits_to_hex(bits) == expected


def test_image_result_fields(bridge_jpeg: bytes) -> None:
    result = hash_bytes(bridge_jpeg)
    assert (result.media_type, result.format) == ("image", "jpeg")
    assert (result.width, result.height) == (1600, 1004)
    assert result.pdq == result.pdq_dihedral[0]
    assert len(result.pdq_dihedral) == 8
    assert result.pdq_quality == 100
    assert result.vpdq == ()
    assert result.duration_seconds is None
    assert len(result.md5) == 32
    assert len(result.sha256) == 64


def test_hex_helpers_round_trip() -> None:
    value = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
    assert pdq_bytes_to_hex(pdq_hex_to_bytes(value)) == value
    assert hamming(value, value) == 0
    assert hamming("0" * 64, "f" * 64) == 256
    with pytest.raises(ValueError):
        pdq_hex_to_bytes("abc")


@pytest.mark.parametrize("n", [1, 3, 6, 8])
def test_exif_orientation_is_applied(n: int) -> None:
    """The exif-rotn photos are four different shots (taken seconds apart, the camera
    held four ways), not one picture stored four ways, so they are not compared with each
    other. Each must hash like its pixels turned upright, and (when turned) unlike its
    stored pixels. Measured: 0-2 bits upright, > 100 bits stored."""
    path = PDQ_DIR / "exif-rotn" / f"exif-rotn-{n}.jpg"
    with Image.open(path) as img:
        upright = ImageOps.exif_transpose(img).convert("RGB")
        stored = img.convert("RGB")
    ours = hash_file(path)
    assert (ours.width, ours.height) == upright.size
    assert hamming(ours.pdq or "", hash_bytes(encode(upright, "PNG")).pdq or "") <= 4
    if n != 1:
        assert hamming(ours.pdq or "", hash_bytes(encode(stored, "PNG")).pdq or "") > 64


@pytest.mark.parametrize("name", ["1.png", "L.png", "LA.png", "P.png", "CMYK.jpg"])
def test_mode_files_hash_like_the_original(name: str) -> None:
    original = hash_file(PDQ_DIR / "modes" / "original.jpg").pdq or ""
    assert hamming(hash_file(PDQ_DIR / "modes" / name).pdq or "", original) <= 8


def _high_depth(img: Image.Image, mode: str) -> Image.Image:
    grey = np.asarray(img.convert("L"), dtype=np.float64)
    if mode == "I;16":
        return Image.fromarray((grey * 257).astype(np.uint16))
    if mode == "I":
        return Image.fromarray((grey * 257).astype(np.int32))
    return Image.fromarray((grey / 255).astype(np.float32))


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("I;16", "PNG"),
        ("I", "TIFF"),
        ("F", "TIFF"),
        ("LAB", "TIFF"),
        ("YCbCr", "JPEG"),
        ("RGBA", "PNG"),
        ("RGBA", "WEBP"),
    ],
)
def test_generated_mode_files_hash_like_the_original(mode: str, fmt: str) -> None:
    base = photo().reduce(2)
    original = hash_bytes(encode(base, "PNG")).pdq or ""
    img = _high_depth(base, mode) if mode in ("I;16", "I", "F") else base.convert(mode)
    assert img.mode == mode
    assert hamming(hash_bytes(encode(img, fmt)).pdq or "", original) <= 8, mode


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "PA", "RGBa", "CMYK", "HSV", "LAB", "I;16"])
def test_every_pillow_mode_becomes_rgb_or_l(mode: str) -> None:
    """Modes no file format stores (PA, RGBa, HSV) are checked on in-memory images."""
    base = photo().reduce(2)
    img = _high_depth(base, mode) if mode == "I;16" else base.convert(mode)
    if mode == "PA":
        img = base.convert("P").convert("PA")
    original = pdq_of(picture_from(base, base.size).pdq_input())[0]
    flat = to_rgb_or_l(img)
    assert flat.mode in ("RGB", "L")
    assert hamming(pdq_of(picture_from(flat, flat.size).pdq_input())[0], original) <= 8, mode


def test_transparency_is_composited_onto_white() -> None:
    base = photo().reduce(4)
    rgba = base.convert("RGBA")
    hidden = np.asarray(rgba).copy()
    hidden[:, : hidden.shape[1] // 2, 3] = 0  # left half transparent
    hidden[:, : hidden.shape[1] // 2, :3] = 0  # ... with black pixels under it
    on_white = base.copy()
    on_white.paste((255, 255, 255), (0, 0, base.width // 2, base.height))
    transparent = hash_bytes(encode(Image.fromarray(hidden, "RGBA"), "PNG")).pdq or ""
    assert hamming(transparent, hash_bytes(encode(on_white, "PNG")).pdq or "") <= 4


def test_png_and_jpeg_of_one_picture_agree() -> None:
    base = ImageOps.exif_transpose(photo())
    jpeg = hash_bytes(encode(base, "JPEG", quality=90)).pdq or ""
    png = hash_bytes(encode(base, "PNG")).pdq or ""
    assert hamming(jpeg, png) <= 8
