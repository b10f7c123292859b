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

from shieldwall.matching.index import PdqIndex, hex_to_array
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
# scikit-image's public sample photos (a dev dependency) add variety to the corpus.
SKIMAGE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "retina", "hubble_deep_field")
SIZE = (1024, 768)
ACCURACY_BOUND = 10
BANK_SIZE = 1_000_000  # PDQ entries the scan matches against, as a large platform bank


def _sources() -> list[Image.Image]:
    sources = []
    from skimage import data as skdata

    for name in SKIMAGE_PHOTOS:
        sources.append(Image.fromarray(getattr(skdata, name)()).convert("RGB"))
    for path in PHOTOS:
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
        img = source.crop((left, top, left + width, top + height)).resize(
            SIZE, Image.Resampling.LANCZOS
        )
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


def _bank(paths: Sequence[Path]) -> PdqIndex:
    """A 1M-entry PDQ bank: random hashes plus the hashes of a tenth of the corpus."""
    rng = np.random.default_rng(5)
    known = [hash_file(p).pdq or "" for p in paths[: max(1, len(paths) // 10)]]
    codes = np.vstack(
        [rng.integers(0, 256, (BANK_SIZE - len(known), 32), dtype=np.uint8), hex_to_array(known)]
    )
    return PdqIndex(codes, np.arange(len(codes), dtype=np.int64))


def _scanner(index: PdqIndex) -> Callable[[Path], object]:
    """Our scan of one file: hash it, then match all its PDQ variants against the bank."""

    def scan(path: Path) -> object:
        h = hash_file(path)
        return index.search(hex_to_array([*h.pdq_dihedral, *h.pdq_untrimmed]), 31)

    return scan


def run(n: int = 200) -> dict[str, float | int]:
    """Generate the corpus, time both sides, check accuracy; return the figures."""
    with tempfile.TemporaryDirectory(prefix="bench-hash-") as tmp:
        paths = make_corpus(n, Path(tmp))
        for path in paths[:5]:  # warm caches and lazy imports of both sides
            PdqSignal.hash_from_file(path)
            hash_file(path)
        index = _bank(paths)
        scan = _scanner(index)
        matched = sum(bool(scan(p)) for p in paths)
        theirs = _time_per_item(PdqSignal.hash_from_file, paths)
        ours_hash = _time_per_item(hash_file, paths)
        ours = _time_per_item(scan, paths)
        distances, qualities = [], []
        for path, result in zip(paths, hash_corpus(paths), strict=True):
            reference, quality = _full_resolution_pdq(path)
            distances.append(hamming(result.pdq or "", reference))
            qualities.append(quality)
    return {
        "images": n,
        "bank_size": BANK_SIZE,
        "matched_images": matched,
        "threatexchange_ms_per_image": round(theirs * 1000, 3),
        "shieldwall_hash_ms_per_image": round(ours_hash * 1000, 3),
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
    report(figures)


def report(figures: dict[str, float | int]) -> None:
    """Print the figures with the ratio to the baseline."""
    print(f"{figures['images']} images of {SIZE[0]}x{SIZE[1]} JPEG, one process")
    print(
        f"baseline threatexchange PdqSignal.hash_from_file: "
        f"{figures['threatexchange_ms_per_image']} ms/image "
        f"({figures['threatexchange_images_per_s']} images/s)"
    )
    print(
        f"shieldwall hash only (md5+sha256+pdq+dihedral): "
        f"{figures['shieldwall_hash_ms_per_image']} ms/image"
    )
    print(
        f"shieldwall scan (hash + match 8+ variants against {figures['bank_size']:,} PDQ "
        f"entries): {figures['shieldwall_ms_per_image']} ms/image "
        f"({figures['shieldwall_images_per_s']} images/s; {figures['matched_images']} matched)"
    )
    print(f"scan throughput ratio to baseline: {figures['speedup']}x (target >= 5x)")
    print(
        f"PDQ vs full-resolution pdqhash.compute: max {figures['max_distance_to_full_resolution']}"
        f" bits, mean {figures['mean_distance_to_full_resolution']} bits, "
        f"{figures['over_bound']} over {ACCURACY_BOUND} (lowest quality {figures['min_quality']})"
    )


if __name__ == "__main__":
    main()
