"""The decoding budget: frames, pixels and frame rate across a whole item, refused early."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest
from PIL import Image
from tests.hostile import huge_canvas_gif, many_frames_video

from conftest import encode, make_video, photo
from shieldwall.media import MediaError, MediaLimits, hash_bytes
from shieldwall.media.gif import count_frames


def _refused(data: bytes, **kwargs: object) -> MediaError:
    with pytest.raises(MediaError) as caught:
        hash_bytes(data, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_huge_canvas_gif_is_refused_from_its_frame_count() -> None:
    """A few KB: 200 frames of 6000 x 6000, 7.2 G pixels for Pillow to composite."""
    data = huge_canvas_gif()
    assert len(data) < 32 * 1024
    error = _refused(data)
    assert error.code == "too_many_decoded_pixels"
    assert "6000 x 6000" in error.message
    assert "1,000,000,000 pixels" in error.message


def test_gif_below_the_budget_is_hashed() -> None:
    """The same construction on a small canvas is an ordinary animation."""
    h = hash_bytes(huge_canvas_gif(width=300, height=200, frames=30))
    assert (h.media_type, h.width, h.height) == ("video", 300, 200)
    assert len(h.vpdq) == 3  # 30 frames of 100 ms, sampled once a second


def test_gif_frames_are_counted_as_pillow_counts_them() -> None:
    frames = [photo().reduce(16).rotate(20 * i) for i in range(7)]
    saved = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=200)
    padded = huge_canvas_gif(width=64, height=64, frames=9, gap=b"\x00\x07junk")
    plain = huge_canvas_gif(width=64, height=64, frames=40)
    for data, expected in ((saved, 7), (padded, 9), (plain, 40)):
        with Image.open(io.BytesIO(data)) as img:
            assert count_frames(data, stop_after=10_000) == img.n_frames == expected


def test_gif_counting_stops_past_the_cap() -> None:
    data = huge_canvas_gif(width=64, height=64, frames=5000)
    assert count_frames(data, stop_after=10) == 11
    assert count_frames(b"GIF89a", stop_after=10) == 0


def test_stray_bytes_do_not_hide_frames() -> None:
    """Readers skip junk between GIF blocks; the count must not stop at it."""
    error = _refused(huge_canvas_gif(frames=200, gap=b"\x00\x01"))
    assert error.code == "too_many_decoded_pixels"
    assert "has at least" in error.message  # refused from the count, before compositing


def test_webp_frame_count_counts_against_the_animation_budget() -> None:
    """WebP states its frame count in its header."""
    frames = [photo().reduce(8).rotate(10 * i) for i in range(6)]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=500)
    width, height = frames[0].size
    limits = MediaLimits(max_animation_pixels=width * height * 5)
    error = _refused(data, limits=limits)
    assert error.code == "too_many_decoded_pixels"
    assert "6 frames" in error.message
    assert hash_bytes(data, limits=MediaLimits(max_animation_pixels=width * height * 6))


def test_many_frames_a_second_mp4_is_refused_from_its_header() -> None:
    data = many_frames_video(frames=3000, fps=1000)
    error = _refused(data)
    assert error.code == "frame_rate_too_high"
    assert "1,000 frames a second" in error.message
    assert "240" in error.message


def test_many_frames_a_second_stream_is_refused_while_decoding() -> None:
    """Matroska states no frame count: the rate is measured on the frames' timestamps."""
    data = many_frames_video(frames=3000, fps=1000, container="matroska")
    error = _refused(data)
    assert error.code == "frame_rate_too_high"
    assert "more frames a second" in error.message


def test_slow_motion_at_240_frames_a_second_is_allowed() -> None:
    h = hash_bytes(make_video(seconds=2, fps=240, size=(64, 48)))
    assert len(h.vpdq) == 2


def test_frame_count_declared_over_the_limit_is_refused_before_decoding() -> None:
    data = make_video(seconds=3, fps=20, size=(32, 32))
    error = _refused(data, limits=MediaLimits(max_video_frames=50))
    assert error.code == "too_many_frames"
    assert error.message == "The video has 60 frames; the limit is 50."


def test_video_pixel_budget_from_the_header() -> None:
    data = make_video(seconds=3, fps=10, size=(64, 48))
    error = _refused(data, limits=MediaLimits(max_video_pixels=64 * 48 * 29))
    assert error.code == "too_many_decoded_pixels"
    assert "30 frames of 64 x 48" in error.message
    assert hash_bytes(data, limits=MediaLimits(max_video_pixels=64 * 48 * 30))


def test_video_pixel_budget_while_decoding() -> None:
    data = make_video(seconds=3, fps=10, size=(64, 48), container="matroska")
    error = _refused(data, limits=MediaLimits(max_video_pixels=64 * 48 * 29))
    assert error.code == "too_many_decoded_pixels"
    assert "decode to more than" in error.message


def test_cpu_time_limit() -> None:
    data = make_video(seconds=3, fps=10, size=(32, 32))
    error = _refused(data, limits=MediaLimits(decode_cpu_seconds=0.0))
    assert error.code == "decode_cpu_limit"
    assert "processor time" in error.message


def test_tiny_frames_decode_to_the_same_pixels_with_or_without_frame_threads() -> None:
    """Small videos are decoded with slice threads: FFmpeg's output must not change."""
    data = make_video(seconds=4, fps=10, size=(64, 48))
    decoded = {}
    for thread_type in ("AUTO", "SLICE"):
        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.video[0]
            stream.thread_type = thread_type
            decoded[thread_type] = [f.to_ndarray(format="gray") for f in container.decode(stream)]
    assert len(decoded["AUTO"]) == 40
    assert all(np.array_equal(a, b) for a, b in zip(decoded["AUTO"], decoded["SLICE"], strict=True))


@pytest.mark.slow
def test_a_few_mb_of_tiny_frames_at_an_ordinary_rate_are_refused_by_default() -> None:
    # The file: an ordinary 30 fps, but more tiny frames than an hour of video holds,
    # each costing per-frame work. The default frame limit refuses it from its header.
    limit = MediaLimits().max_video_frames
    data = many_frames_video(frames=limit + 1, fps=30)
    assert len(data) < 2_000_000
    with pytest.raises(MediaError) as refused:
        hash_bytes(data)
    assert refused.value.code == "too_many_frames"
    assert f"the limit is {limit:,}" in refused.value.message  # from the header, not decoding
