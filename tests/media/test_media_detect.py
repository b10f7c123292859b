"""Format detection from magic bytes, and clear refusals of everything else."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from conftest import VIDEO_DIR, encode, make_video, photo
from shieldwall.media import MediaError, detect_format, hash_bytes


def _frames(count: int) -> list[Image.Image]:
    base = photo().reduce(8)
    return [base.rotate(10 * i) for i in range(count)]


def _animated(fmt: str, count: int) -> bytes:
    first, *rest = _frames(count)
    return encode(first, fmt, save_all=True, append_images=rest, duration=500, loop=0)


def _heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return encode(photo().reduce(8), "HEIF")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: encode(photo().reduce(8), "JPEG"), ("image", "jpeg")),
        (lambda: encode(photo().reduce(8), "PNG"), ("image", "png")),
        (lambda: encode(photo().reduce(8), "BMP"), ("image", "bmp")),
        (lambda: encode(photo().reduce(8), "TIFF"), ("image", "tiff")),
        (lambda: encode(photo().reduce(8), "WEBP"), ("image", "webp")),
        (lambda: encode(photo().reduce(8), "GIF"), ("image", "gif")),
        (lambda: encode(photo().reduce(8), "AVIF"), ("image", "avif")),
        (_heic, ("image", "heic")),
        (lambda: _animated("GIF", 3), ("video", "gif")),
        (lambda: _animated("WEBP", 3), ("video", "webp")),
        (lambda: _animated("PNG", 3), ("video", "png")),
        (lambda: make_video(seconds=1), ("video", "mp4")),
        (lambda: make_video(seconds=1, container="mov"), ("video", "mov")),
        (lambda: make_video(seconds=1, container="webm", codec="libvpx-vp9"), ("video", "webm")),
        (lambda: make_video(seconds=1, container="matroska"), ("video", "mkv")),
        (lambda: (VIDEO_DIR / "doorknob-hd-no-bar.mp4").read_bytes(), ("video", "mp4")),
    ],
)
def test_detects_and_hashes(make: object, expected: tuple[str, str]) -> None:
    data = make()  # type: ignore[operator]
    assert detect_format(data) == expected
    result = hash_bytes(data)
    assert (result.media_type, result.format) == expected
    if expected[0] == "image":
        assert result.pdq is not None
        assert len(result.pdq_dihedral) == 8
    else:
        assert result.vpdq
        assert result.pdq is None


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", encode(photo().reduce(8), "JPEG"))
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (_zip(), "ZIP archive"),
        (b"<!DOCTYPE html><html><body>hello</body></html>", "HTML page"),
        (b"\n  <html><img src=x></html>", "HTML page"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF document"),
        (b"just some words\nand another line\n", "text file"),
        ("caf\u00e9 au lait".encode(), "text file"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG drawing"),
        (bytes(range(256)) * 8, "unrecognised binary file"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "MP3 audio file"),
    ],
)
def test_refuses_what_is_not_media(data: bytes, named: str) -> None:
    with pytest.raises(MediaError) as caught:
        hash_bytes(data)
    assert caught.value.code == "unsupported_type"
    assert named in caught.value.message
    assert caught.value.message.endswith("not an image or video.")


def test_empty_file() -> None:
    with pytest.raises(MediaError) as caught:
        detect_format(b"")
    assert caught.value.code == "empty_file"
    with pytest.raises(MediaError) as caught:
        hash_bytes(b"")
    assert caught.value.code == "empty_file"


def test_the_file_name_is_never_consulted(tmp_path: object) -> None:
    png = encode(photo().reduce(8), "PNG")
    path = tmp_path / "holiday.jpg"  # type: ignore[operator]
    path.write_bytes(png)
    from shieldwall.media import hash_file

    assert hash_file(path).format == "png"
    assert hash_file(path).sha256 == hash_bytes(png).sha256


def test_error_codes_are_checked() -> None:
    with pytest.raises(ValueError):
        MediaError("nonsense", "x")
