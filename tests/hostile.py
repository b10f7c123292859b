"""Hostile media built on the spot: small files that ask for a great deal of decoding."""

from __future__ import annotations

import io
import struct
from fractions import Fraction

import av
import numpy as np


def huge_canvas_gif(
    *, width: int = 6000, height: int = 6000, frames: int = 200, gap: bytes = b""
) -> bytes:
    """An animated GIF of 1 x 1 patches on a huge canvas: a few KB to read, Gpx to decode.

    `gap` is put between the frames (stray bytes that GIF readers skip over).
    """
    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", width, height, 0x80, 0, 0)  # a global colour table of 2
    out += b"\x00\x00\x00\xff\xff\xff"
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for index in range(frames):
        out += b"\x21\xf9\x04\x00" + struct.pack("<H", 10) + b"\x00\x00"  # 100 ms a frame
        out += b"\x2c" + struct.pack("<HHHHB", index % width, index % height, 1, 1, 0)
        out += b"\x02\x02\x44\x01\x00"  # LZW: minimum code size 2, clear, pixel 1, end
        out += gap
    out += b";"
    return bytes(out)


def many_frames_video(
    *, frames: int, fps: int, size: tuple[int, int] = (16, 16), container: str = "mp4"
) -> bytes:
    """A video of many tiny, nearly identical frames (some 14 bytes a frame in H.264)."""
    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as box:
        stream = box.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        pixels = np.zeros((size[1], size[0], 3), dtype=np.uint8)
        for index in range(frames):
            pixels[0, 0, 0] = index % 256
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            box.mux(stream.encode(frame))
        box.mux(stream.encode(None))
    return out.getvalue()
