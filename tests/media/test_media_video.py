"""Video frame hashes: agreement with Meta's vPDQ, sampling, animated images, bars."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PIL import Image, ImageOps

from conftest import VIDEO_DIR, encode, make_video, photo, reference_frames
from shieldwall.media import hamming, hash_bytes, hash_file


@pytest.mark.parametrize(
    ("name", "median_bound", "max_bound"),
    [
        # Measured: every frame within 8 bits, median 2.
        ("chair-orig-22-sd-bar", 3, 8),
        # Measured over frames Meta rates quality >= 50: median 4, max 20. The rest of this
        # clip is a blank door (quality 0-30) whose hash is noise in any implementation.
        ("doorknob-hd-no-bar", 5, 20),
    ],
)
def test_dense_frames_agree_with_metas_vpdq(name: str, median_bound: int, max_bound: int) -> None:
    reference = reference_frames(name)
    result = hash_file(VIDEO_DIR / f"{name}.mp4", frames_per_second=None, trim_borders=False)
    assert len(result.vpdq) == len(reference)
    distances = []
    for ours, (_, quality, pdq, second) in zip(result.vpdq, reference, strict=True):
        assert abs(ours.second - second) < 0.002
        if quality >= 50:
            distances.append(hamming(ours.pdq, pdq))
            assert abs(ours.quality - quality) <= 5
    assert len(distances) >= len(reference) // 2
    assert np.median(distances) <= median_bound
    assert max(distances) <= max_bound


def test_one_frame_a_second() -> None:
    result = hash_file(VIDEO_DIR / "chair-orig-22-sd-bar.mp4")
    assert [f.second for f in result.vpdq] == [float(s) for s in range(23)]
    assert (result.media_type, result.format) == ("video", "mp4")
    assert (result.width, result.height) == (480, 720)
    assert result.duration_seconds == pytest.approx(22.46, abs=0.01)
    assert result.pdq is None
    assert result.pdq_quality is None
    assert result.pdq_dihedral == ()


def test_sampled_frames_are_the_dense_frames_at_whole_seconds() -> None:
    path = VIDEO_DIR / "chair-orig-22-sd-bar.mp4"
    dense = {f.second: f for f in hash_file(path, frames_per_second=None).vpdq}
    for frame in hash_file(path, frames_per_second=1.0).vpdq:
        assert dense[frame.second] == frame


def test_other_rates() -> None:
    data = make_video(seconds=4, fps=10, size=(64, 48))
    assert [f.second for f in hash_bytes(data, frames_per_second=2).vpdq] == [
        0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5,
    ]  # fmt: skip
    assert len(hash_bytes(data, frames_per_second=None).vpdq) == 40
    with pytest.raises(ValueError):
        hash_bytes(data, frames_per_second=0)


def test_animated_gif_is_a_video_of_its_frames() -> None:
    base = photo().reduce(4)
    frames = [base, ImageOps.mirror(base), ImageOps.flip(base)]
    data = encode(
        frames[0], "GIF", save_all=True, append_images=frames[1:], duration=[400, 1200, 500]
    )
    result = hash_bytes(data)
    assert (result.media_type, result.format) == ("video", "gif")
    assert [f.second for f in result.vpdq] == [0.0, 1.6]  # t=0, then the first at or after 1 s
    dense = hash_bytes(data, frames_per_second=None)
    assert [f.second for f in dense.vpdq] == [0.0, 0.4, 1.6]
    still = hash_bytes(encode(frames[1], "PNG")).pdq or ""
    assert hamming(dense.vpdq[1].pdq, still) <= 24  # GIF's 256-colour palette costs bits


def test_animated_webp_frames() -> None:
    base = photo().reduce(4)
    frames = [base, ImageOps.mirror(base)]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=1000)
    result = hash_bytes(data)
    assert (result.media_type, result.format) == ("video", "webp")
    assert [f.second for f in result.vpdq] == [0.0, 1.0]
    assert result.duration_seconds == 1.0


def _letterboxed_video(bar: int, colour: int) -> bytes:
    """Frames of the bridge photo panning, with `bar` rows of `colour` above and below."""
    import io

    import av

    base = np.asarray(photo().convert("RGB").resize((320, 200)))
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as box:
        stream = box.add_stream("libx264", rate=5)
        stream.width, stream.height = 240, 200 + 2 * bar
        stream.pix_fmt = "yuv420p"
        for index in range(15):
            canvas = np.full((200 + 2 * bar, 240, 3), colour, dtype=np.uint8)
            canvas[bar : bar + 200] = base[:, index * 5 : index * 5 + 240]
            frame = av.VideoFrame.from_ndarray(canvas, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 5)
            box.mux(stream.encode(frame))
        box.mux(stream.encode(None))
    return out.getvalue()


@pytest.mark.parametrize("colour", [0, 128, 255])
def test_letterbox_bars_are_trimmed_from_videos(colour: int) -> None:
    """Measured: trimmed frames of the barred video are 0-6 bits from the bare video."""
    bare = hash_bytes(_letterboxed_video(0, colour))
    barred = hash_bytes(_letterboxed_video(40, colour))
    untrimmed = hash_bytes(_letterboxed_video(40, colour), trim_borders=False)
    for plain, trimmed, kept in zip(bare.vpdq, barred.vpdq, untrimmed.vpdq, strict=True):
        assert hamming(plain.pdq, trimmed.pdq) <= 10
        assert hamming(plain.pdq, kept.pdq) > 20


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (128, 128, 128)])
def test_letterbox_and_pillarbox_bars_are_trimmed_from_images(colour: tuple[int, int, int]) -> None:
    """Measured: 0-10 bits between the photo and the photo in bars (10 where the bar ends
    mid-way through a pixel of the reduced decode), 110-130 bits untrimmed."""
    base = photo().reduce(2)
    plain = hash_bytes(encode(base, "JPEG", quality=85)).pdq or ""
    for size in [(base.width, base.height + 300), (base.width + 400, base.height)]:
        canvas = Image.new("RGB", size, colour)
        canvas.paste(base, ((size[0] - base.width) // 2, (size[1] - base.height) // 2))
        boxed = hash_bytes(encode(canvas, "JPEG", quality=85))
        assert hamming(boxed.pdq or "", plain) <= 10
        assert (boxed.width, boxed.height) == size


def test_a_uniform_picture_is_never_trimmed_away() -> None:
    for colour in [(0, 0, 0), (200, 200, 200)]:
        result = hash_bytes(encode(Image.new("RGB", (300, 200), colour), "PNG"))
        assert result.pdq is not None
        assert result.pdq_quality == 0


def test_a_flat_wall_is_not_taken_for_a_bar() -> None:
    """The doorknob clip has a plain door at its sides: trimming must leave it alone."""
    path = VIDEO_DIR / "doorknob-hd-no-bar.mp4"
    assert hash_file(path).vpdq == hash_file(path, trim_borders=False).vpdq
