"""Shared helpers for the media tests: fixture paths and generated media."""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PDQ_DIR = FIXTURES / "pdq"
VIDEO_DIR = FIXTURES / "video"


def reference_hashes() -> dict[str, str]:
    """Meta's reference PDQ hashes, by file name."""
    with open(PDQ_DIR / "reference-hashes.csv", newline="") as handle:
        return {Path(row["FilePath"]).name: row["Hash"] for row in csv.DictReader(handle)}


def reference_frames(name: str) -> list[tuple[int, int, str, float]]:
    """Meta's vPDQ frames (frame, quality, pdq, seconds) of a fixture video."""
    rows = []
    for line in (VIDEO_DIR / f"{name}.vpdq.txt").read_text().splitlines():
        if line.strip():
            frame, quality, pdq, seconds = line.strip().split(",")
            rows.append((int(frame), int(quality), pdq, float(seconds)))
    return rows


def photo() -> Image.Image:
    """The bridge photo, as RGB."""
    with Image.open(PDQ_DIR / "modes" / "original.jpg") as img:
        return img.convert("RGB")


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    """Save an image to bytes."""
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def make_video(
    *,
    seconds: float,
    fps: int = 10,
    size: tuple[int, int] = (64, 48),
    container: str = "mp4",
    codec: str = "libx264",
    audio: bool = False,
    video: bool = True,
) -> bytes:
    """Encode a small synthetic video (moving gradient) and/or a silent audio track."""
    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as box:
        if video:
            stream = box.add_stream(codec, rate=fps)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
        if audio:
            sound = box.add_stream("aac", rate=8000)
            sound.layout = "mono"
        if video:
            ys, xs = np.mgrid[0 : size[1], 0 : size[0]]
            for index in range(round(seconds * fps)):
                pixels = ((xs * 4 + ys * 2 + index * 7) % 256).astype(np.uint8)
                frame = av.VideoFrame.from_ndarray(np.dstack([pixels] * 3), format="rgb24")
                frame.pts = index
                frame.time_base = Fraction(1, fps)
                box.mux(stream.encode(frame))
            box.mux(stream.encode(None))
        if audio:
            samples = np.zeros((1, 1024), dtype=np.float32)
            for index in range(round(seconds * 8000 / 1024)):
                chunk = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                chunk.sample_rate = 8000
                chunk.pts = index * 1024
                box.mux(sound.encode(chunk))
            box.mux(sound.encode(None))
    return out.getvalue()


@pytest.fixture(scope="session")
def bridge_jpeg() -> bytes:
    """The bridge photo as JPEG bytes."""
    return (PDQ_DIR / "modes" / "original.jpg").read_bytes()
