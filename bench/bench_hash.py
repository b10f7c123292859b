"""Benchmark image hashing: shieldwall.media.hash_file against threatexchange's PDQ.

Run: python bench/bench_hash.py [--n 200] [--json]

Generates N distinct 1024x768 JPEG photos deterministically (crops, mirrors, colour and
brightness changes of the public test photos in tests/fixtures), writes them to a temp
dir, then in the same run times (a) threatexchange PdqSignal.hash_from_file and (b) our
hash_file (decode + MD5 + SHA-256 + PDQ + 8 dihedral variants), and checks every one of
our PDQ hashes against pdqhash.compute on the full-size decoded image.

`run(n)` returns the figures as a dict; `make_corpus` and `hash_corpus` are separate so a
later hash+match benchmark can reuse the corpus and the hashes.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image, ImageEnhance, ImageOps
from threatexchange.signal_type.pdq.signal import PdqSignal

from shieldwall.media import MediaHashes, hamming, hash_file
from shieldwall.media.pdq import bits_to_hex

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = [
    ROOT / "tests/fixtures/pdq/bridge-mods/aaa-orig.jpg",
    ROOT / "tests/fixtures/pdq/dih/bridge-5-flipx.jpg",
    ROOT / "tests/fixtures/pdq/dih/bridge-2-rotate-90.jpg",
    ROOT / "tests/fixtures/pdq/misc-images/c.png",
    ROOT / "tests/fixtures/pdq/bridge-mods/high-contrast.jpg",
]
# The full-size originals of the reduced exif-rotn fixtures, when the shared test data is
# present: four more distinct photos (4032 x 3024).
SHARED_PHOTOS = sorted(Path("/work/shared/testdata/pdq/reg-test-input/exif-rotn").glob("*.jpg"))
SIZE = (1024, 768)
ACCURACY_BOUND = 10


def _sources() -> list[Image.Image]:
    sources = []
    for path in [*PHOTOS, *SHARED_PHOTOS]:
        with Image.open(path) as img:
            sources.append(ImageOps.exif_transpose(img).convert("RGB"))
    return sources


def make_corpus(n: int, directory: Path, seed: int = 20240601) -> list[Path]:
    """Write n distinct 1024x768 JPEG photos to directory and return their paths."""
    rng = random.Random(seed)
    sources = _sources()
    paths = []
    for index in range(n):
        source = sources[index % len(sources)]
        width = int(source.width * rng.uniform(0.45, 1.0))
        height = min(int(width * 3 / 4), source.height)
        width = int(height * 4 / 3)
        left = rng.randint(0, source.width - width)
        top = rng.randint(0, source.height - height)
        img = source.crop((left, top, left + width, top + height)).resize(SIZE, Image.LANCZOS)
        if rng.random() < 0.5:
            img = ImageOps.mirror(img)
        img = ImageEnhance.Color(img).enhance(rng.uniform(0.6, 1.4))
        img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.8, 1.2))
        path = directory / f"photo-{index:05d}.jpg"
        img.save(path, "JPEG", quality=rng.randint(80, 92))
        paths.append(path)
    return paths


def hash_corpus(paths: Sequence[Path]) -> list[MediaHashes]:
    """Hash every file with shieldwall.media.hash_file."""
    return [hash_file(path) for path in paths]


def _time_per_item(hasher: Callable[[Path], object], paths: Sequence[Path]) -> float:
    """Seconds per item, the best of two passes (the host may be shared)."""
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        for path in paths:
            hasher(path)
        best = min(best, time.perf_counter() - started)
    return best / len(paths)


def _full_resolution_pdq(path: Path) -> tuple[str, int]:
    with Image.open(path) as img:
        bits, quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    return bits_to_hex(bits), int(quality)


def run(n: int = 200) -> dict[str, float | int]:
    """Generate the corpus, time both hashers, check accuracy; return the figures."""
    with tempfile.TemporaryDirectory(prefix="bench-hash-") as tmp:
        paths = make_corpus(n, Path(tmp))
        for path in paths[:5]:  # warm caches and lazy imports of both sides
            PdqSignal.hash_from_file(path)
            hash_file(path)
        theirs = _time_per_item(PdqSignal.hash_from_file, paths)
        ours = _time_per_item(hash_file, paths)
        distances, qualities = [], []
        for path, result in zip(paths, hash_corpus(paths), strict=True):
            reference, quality = _full_resolution_pdq(path)
            distances.append(hamming(result.pdq or "", reference))
            qualities.append(quality)
    return {
        "images": n,
        "threatexchange_ms_per_image": round(theirs * 1000, 3),
        "shieldwall_ms_per_image": round(ours * 1000, 3),
        "threatexchange_images_per_s": round(1 / theirs, 1),
        "shieldwall_images_per_s": round(1 / ours, 1),
        "speedup": round(theirs / ours, 2),
        "max_distance_to_full_resolution": max(distances),
        "mean_distance_to_full_resolution": round(statistics.mean(distances), 2),
        "over_bound": sum(d > ACCURACY_BOUND for d in distances),
        "min_quality": min(qualities),
    }


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="number of images (default 200)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    figures = run(args.n)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{figures['images']} images of {SIZE[0]}x{SIZE[1]} JPEG, one process")
    print(
        f"threatexchange PdqSignal.hash_from_file: {figures['threatexchange_ms_per_image']} "
        f"ms/image ({figures['threatexchange_images_per_s']} images/s)"
    )
    print(
        f"shieldwall hash_file (md5+sha256+pdq+dihedral): {figures['shieldwall_ms_per_image']} "
        f"ms/image ({figures['shieldwall_images_per_s']} images/s)"
    )
    print(f"speed-up: {figures['speedup']}x")
    print(
        f"PDQ vs full-resolution pdqhash.compute: max {figures['max_distance_to_full_resolution']}"
        f" bits, mean {figures['mean_distance_to_full_resolution']} bits, "
        f"{figures['over_bound']} over {ACCURACY_BOUND} (lowest quality {figures['min_quality']})"
    )


if __name__ == "__main__":
    main()
