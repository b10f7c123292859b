"""Hostile and broken input: every failure is a MediaError with the right code."""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from conftest import VIDEO_DIR, encode, make_video, photo
from shieldwall.media import MediaError, MediaLimits, hash_bytes, hash_file


def _raises(code: str, data: bytes, **kwargs: object) -> MediaError:
    with pytest.raises(MediaError) as caught:
        hash_bytes(data, **kwargs)  # type: ignore[arg-type]
    error = caught.value
    assert error.code == code, error.message
    assert error.message
    assert "Traceback" not in error.message
    assert error.message[0].isupper()
    assert error.message.endswith(".")
    return error


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_png_header_claiming_ten_billion_pixels() -> None:
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IEND", b"")
    error = _raises("too_many_pixels", data)
    assert "64,000,000" in error.message


def test_small_file_with_many_pixels() -> None:
    """A 10000 x 8000 flat PNG is about 100 KB: refused from its header, not decoded."""
    data = encode(Image.new("L", (10_000, 8_000)), "PNG", optimize=True)
    assert len(data) < 200_000
    error = _raises("too_many_pixels", data, limits=MediaLimits(max_pixels=50_000_000))
    assert "10000 x 8000" in error.message


def test_pixel_limit_under_pillows_own_warning() -> None:
    """Between Pillow's warning (89 Mpx) and error (179 Mpx) the warning must not leak."""
    data = encode(Image.new("1", (12_000, 8_000)), "PNG", optimize=True)
    _raises("too_many_pixels", data)


def test_truncated_jpeg(bridge_jpeg: bytes) -> None:
    _raises("corrupt", bridge_jpeg[: len(bridge_jpeg) // 2])


def test_jpeg_header_only(bridge_jpeg: bytes) -> None:
    _raises("corrupt", bridge_jpeg[:200])


def test_truncated_png() -> None:
    data = encode(photo().reduce(4), "PNG")
    _raises("corrupt", data[: len(data) // 2])


def test_random_bytes() -> None:
    _raises("unsupported_type", random.Random(7).randbytes(4096))


def test_garbage_after_a_video_signature() -> None:
    data = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 20
    _raises("corrupt", data)


def test_truncated_mp4_with_index_at_the_end() -> None:
    """PyAV's mp4 muxer writes the moov index last: cut short, nothing can be decoded."""
    data = make_video(seconds=3)
    _raises("corrupt", data[: len(data) // 2])


def test_truncated_faststart_mp4_keeps_its_decodable_frames() -> None:
    """The doorknob mp4 has its index first; half of it still yields the first frames."""
    data = (VIDEO_DIR / "doorknob-hd-no-bar.mp4").read_bytes()
    full = hash_bytes(data, frames_per_second=None)
    cut = hash_bytes(data[: len(data) // 2], frames_per_second=None)
    assert 1 <= len(cut.vpdq) < len(full.vpdq)
    assert cut.vpdq == full.vpdq[: len(cut.vpdq)]


def test_truncated_streamable_video_keeps_its_decodable_frames() -> None:
    """Decision: a stream cut short after good frames is hashed as far as it goes, so a
    partly uploaded copy still matches. Matroska writes frames as it goes."""
    data = make_video(seconds=6, container="matroska")
    full = hash_bytes(data)
    cut = hash_bytes(data[: len(data) * 2 // 3])
    assert 1 <= len(cut.vpdq) < len(full.vpdq)
    assert cut.vpdq == full.vpdq[: len(cut.vpdq)]


def test_too_large(tmp_path: Path) -> None:
    data = encode(photo().reduce(8), "PNG")
    _raises("too_large", data, limits=MediaLimits(max_bytes=1000))
    path = tmp_path / "big.png"
    path.write_bytes(data)
    with pytest.raises(MediaError) as caught:
        hash_file(path, limits=MediaLimits(max_bytes=1000))
    assert caught.value.code == "too_large"


def test_empty_path(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(MediaError) as caught:
        hash_file(path)
    assert caught.value.code == "empty_file"


def test_video_longer_than_the_container_says_is_allowed() -> None:
    data = make_video(seconds=20, fps=2, size=(32, 32))
    error = _raises("too_long", data, limits=MediaLimits(max_video_seconds=10))
    assert "10-second" in error.message


def test_long_stream_without_a_known_duration_stops_while_decoding() -> None:
    """Matroska written to a pipe-like buffer may carry no duration: timestamps stop it."""
    data = make_video(seconds=20, fps=2, size=(32, 32), container="matroska")
    _raises("too_long", data, limits=MediaLimits(max_video_seconds=10))


def test_too_many_frames() -> None:
    data = make_video(seconds=3, fps=10, size=(32, 32))
    _raises("too_many_frames", data, limits=MediaLimits(max_video_frames=12))


def test_too_many_frames_counts_frames_not_sampled() -> None:
    data = make_video(seconds=3, fps=10, size=(32, 32))
    _raises("too_many_frames", data, limits=MediaLimits(max_video_frames=12), frames_per_second=1)


def test_decode_timeout() -> None:
    data = make_video(seconds=3, fps=10, size=(32, 32))
    _raises("decode_timeout", data, limits=MediaLimits(decode_timeout_seconds=0.0))


def test_video_frame_over_the_pixel_limit() -> None:
    data = make_video(seconds=1, size=(320, 240))
    _raises("too_many_pixels", data, limits=MediaLimits(max_pixels=320 * 240 - 1))


def test_audio_only() -> None:
    _raises("no_video_stream", make_video(seconds=1, video=False, audio=True))


def test_animated_gif_limits() -> None:
    frames = [photo().reduce(16).rotate(20 * i) for i in range(6)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=1000)
    _raises("too_long", data, limits=MediaLimits(max_video_seconds=3))
    _raises("too_many_frames", data, limits=MediaLimits(max_video_frames=4))
    _raises("corrupt", data[: len(data) // 3])
