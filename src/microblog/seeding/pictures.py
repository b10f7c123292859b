"""Ordinary pictures for the demo world, drawn from a seed: landscapes, skylines, bokeh.

Made here (Pillow and numpy only) so the demo needs no data download; each seed gives a
different picture, far apart in perceptual hash from the others.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

W, H = 960, 640

SKIES = [
    ((255, 183, 120), (120, 80, 160)),  # sunset
    ((135, 190, 240), (225, 240, 250)),  # day
    ((20, 30, 70), (90, 60, 120)),  # dusk
    ((250, 210, 160), (250, 140, 110)),  # dawn
    ((40, 80, 120), (150, 200, 210)),  # overcast sea
]


def _noise1d(rng: np.random.Generator, n: int, octaves: int = 5) -> np.ndarray:
    out = np.zeros(n)
    for o in range(octaves):
        k = 2 ** (o + 2)
        pts = rng.random(k + 1)
        out += np.interp(np.linspace(0, k, n), np.arange(k + 1), pts) / (1.7**o)
    return out / out.max()


def _noise2d(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    img = np.zeros((h, w))
    for o in range(5):
        k = 2 ** (o + 2)
        small = Image.fromarray((rng.random((k, k)) * 255).astype(np.uint8))
        img += np.asarray(small.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float64) / (
            1.8**o
        )
    img -= img.min()
    return img / img.max()


def _gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    t = np.linspace(0, 1, H)[:, None, None]
    arr = np.array(top)[None, None, :] * (1 - t) + np.array(bottom)[None, None, :] * t
    return Image.fromarray(np.repeat(arr, W, axis=1).astype(np.uint8))


def _landscape(rng: np.random.Generator) -> Image.Image:
    top, bottom = SKIES[int(rng.integers(len(SKIES)))]
    img = _gradient(top, bottom)
    # Clouds: a soft noise field over the sky.
    clouds = _noise2d(rng, W, H)
    cloud_mask = Image.fromarray((np.clip(clouds - 0.55, 0, 1) * 500).clip(0, 160).astype(np.uint8))
    img = Image.composite(Image.new("RGB", (W, H), (255, 250, 245)), img, cloud_mask)
    draw = ImageDraw.Draw(img)
    sx, sy, r = (
        int(rng.integers(80, W - 80)),
        int(rng.integers(60, H // 2)),
        int(rng.integers(25, 70)),
    )
    draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(255, 236, 190))
    layers = int(rng.integers(3, 6))
    near = np.array([int(c) for c in rng.integers(25, 70, size=3)])
    haze = np.array(bottom)
    for i in range(layers):
        ridge = _noise1d(rng, W)
        y0 = H * (0.5 + 0.1 * i) + float(rng.integers(-20, 20))
        ys = y0 - ridge * float(rng.integers(40, 150 - 20 * i))
        t = (i + 1) / layers  # far ridges fade into the haze of the horizon
        shade = tuple(int(c) for c in haze * (1 - t) * 0.8 + near * t)
        draw.polygon(
            [(0, H), *((x, float(ys[x])) for x in range(0, W, 4)), (W, float(ys[-1])), (W, H)],
            fill=shade,
        )
    if rng.random() < 0.5:  # a lake reflecting the sky
        y = int(H * 0.8)
        water = img.crop((0, y - (H - y), W, y)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        img.paste(water.filter(ImageFilter.GaussianBlur(3)), (0, y))
    return img


def _skyline(rng: np.random.Generator) -> Image.Image:
    img = _gradient((12, 18, 45), (70, 50, 110))
    draw = ImageDraw.Draw(img)
    for _ in range(120):  # stars
        x, y = int(rng.integers(W)), int(rng.integers(H // 2))
        draw.point((x, y), fill=(255, 255, 230))
    x = 0
    while x < W:
        bw, bh = int(rng.integers(40, 120)), int(rng.integers(120, 480))
        tone = int(rng.integers(20, 55))
        draw.rectangle((x, H - bh, x + bw, H), fill=(tone, tone, tone + 15))
        for wy in range(H - bh + 10, H - 10, 18):
            for wx in range(x + 6, x + bw - 8, 14):
                if rng.random() < 0.45:
                    draw.rectangle((wx, wy, wx + 6, wy + 9), fill=(255, 214, 120))
        x += bw + int(rng.integers(0, 12))
    return img


def _bokeh(rng: np.random.Generator) -> Image.Image:
    top, bottom = SKIES[int(rng.integers(len(SKIES)))]
    img = _gradient(tuple(c // 3 for c in top), tuple(c // 2 for c in bottom))  # type: ignore[arg-type]
    layer = Image.new("RGB", (W, H), (0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(int(rng.integers(25, 60))):
        x, y, r = int(rng.integers(W)), int(rng.integers(H)), int(rng.integers(15, 90))
        colour = tuple(int(c) for c in rng.integers(90, 255, size=3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    layer = layer.filter(ImageFilter.GaussianBlur(int(rng.integers(6, 18))))
    return Image.blend(img, layer, 0.55)


SCENES = (_landscape, _landscape, _skyline, _bokeh)
SCENE_NAMES = ("landscape", "landscape", "city at night", "abstract lights")


def picture(seed: int) -> tuple[Image.Image, str]:
    """The picture for this seed and a short description of it (for alt text)."""
    rng = np.random.default_rng(seed)
    choice = int(rng.integers(len(SCENES)))
    img = SCENES[choice](rng)
    # A crop, as a phone would frame it.
    cw, ch = int(W * rng.uniform(0.8, 1.0)), int(H * rng.uniform(0.8, 1.0))
    x, y = int(rng.integers(0, W - cw + 1)), int(rng.integers(0, H - ch + 1))
    return img.crop((x, y, x + cw, y + ch)), SCENE_NAMES[choice]


def jpeg(img: Image.Image, quality: int = 85) -> bytes:
    """The image as JPEG bytes."""
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def video(seed: int, seconds: int = 3, fps: int = 12) -> bytes:
    """A short MP4 (H.264): a slow pan across a generated landscape."""
    import av

    rng = random.Random(seed)  # noqa: S311 (a picture, not a secret)
    scene, _ = picture(seed)
    scene = scene.resize((960, 540))
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"crf": "28", "preset": "veryfast", "movflags": "+faststart"}
        start = rng.randint(0, 100)
        for i in range(seconds * fps):
            x = start + int(i * (960 - 640 - start) / (seconds * fps))
            frame = av.VideoFrame.from_image(scene.crop((x, 90, x + 640, 450)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def write_known_pictures(folder: Path, count: int = 3) -> list[Path]:
    """Pictures the demo puts in a bank, never posted: uploading one shows a block."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(count):
        img, _ = picture(90_000 + k)
        path = folder / f"known-{k + 1}.jpg"
        path.write_bytes(jpeg(img, quality=92))
        paths.append(path)
    return paths
