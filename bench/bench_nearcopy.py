"""Near copies: how many edited re-uploads match, false matches, bank growth, scan cost.

Run: python -m bench.bench_nearcopy [--samples 8] [--removals 50] [--database-url URL]
(with a URL, its database `<name>_nearcopy` is dropped and made afresh; SQLite otherwise)

1. Coverage: random edits of the six banked photos (tests.photos.BANKED), `--samples` of
   each kind per photo, matched at the bank threshold (31) with the plain hash only (what a
   scan matched before) and with near copies and caption stripping; and within the review
   radius (near matches shown to staff).
2. The fixed edits of the test suite (tests.photos.NEAR_COPY_EDITS): distances before/after.
3. False matches: the ordinary set (tests.photos.ordinary_photos) against the banked photos
   and all their near copies, and the distance distribution of those unrelated pairs.
4. Bank growth: `--removals` photos banked from their bytes with and without near copies,
   rows and bytes per removal in the database and in the in-memory index.
5. Scan cost, CPU milliseconds on this host: hashing with and without near copies, matching
   against the bank with and without them, the near-match search, and a whole scan.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

THRESHOLD = 31


def _django(database_url: str) -> None:
    os.environ["SHIELDWALL_HOME"] = tempfile.mkdtemp(prefix="sw-bench-nearcopy-")
    os.environ.setdefault("SHIELDWALL_LOG_LEVEL", "WARNING")
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        from bench.support import fresh_postgres

        os.environ["DATABASE_URL"] = fresh_postgres(f"{database_url}_nearcopy")
    os.environ["DJANGO_SETTINGS_MODULE"] = "shieldwall.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def _random_edits(rng: random.Random) -> dict[str, Callable[[Image.Image], Image.Image]]:
    from tests.photos import captioned, crop, rotated, straightened

    def u(hi: float) -> float:
        return rng.uniform(0, hi)

    return {
        "one side 0-10%": lambda i: crop(
            i, **{rng.choice(["top", "bottom", "left", "right"]): u(0.1)}
        ),
        "two opposite sides 0-10%": lambda i: (lambda f, pair: crop(i, **{pair[0]: f, pair[1]: f}))(
            u(0.1), rng.choice([("top", "bottom"), ("left", "right")])
        ),
        "every side 0-10%": lambda i: (lambda f: crop(i, f, f, f, f))(u(0.1)),
        "a corner, each side 0-10%": lambda i: crop(
            i, **{rng.choice(["top", "bottom"]): u(0.1), rng.choice(["left", "right"]): u(0.1)}
        ),
        "four sides, each 0-10%": lambda i: crop(i, u(0.1), u(0.1), u(0.1), u(0.1)),
        "turned 0-5 deg, black corners": lambda i: rotated(i, rng.uniform(-5, 5)),
        "turned 0-5 deg, white corners": lambda i: i.rotate(
            rng.uniform(-5, 5), resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255)
        ),
        "turned 0-5 deg, canvas grown": lambda i: i.rotate(
            rng.uniform(-5, 5), resample=Image.Resampling.BICUBIC, expand=True
        ),
        "straightened 0-5 deg": lambda i: straightened(i, rng.uniform(-5, 5)),
        "caption bar 8-30% added": lambda i: captioned(
            i, "placeholder caption", rng.uniform(0.08, 0.3)
        ),
    }


def _query(data: bytes, *, plain: bool) -> list[str]:
    from shieldwall.media import hash_bytes

    h = hash_bytes(data)
    return [*h.pdq_dihedral, *h.pdq_untrimmed] + ([] if plain else [*h.pdq_stripped])


def coverage(samples: int, radius: int) -> dict[str, Any]:
    """Share of random edits matched before and after near copies, and within the radius."""
    from tests.photos import BANKED, jpeg, photo

    from shieldwall.media import hamming, hash_bytes

    rng = random.Random(20250601)
    banked = {}
    for name in BANKED:
        h = hash_bytes(jpeg(photo(name)), near_copies=True)
        banked[name] = (h.pdq or "", [h.pdq or "", *(c.pdq for c in h.pdq_near)])
    rows = {}
    for kind, edit in _random_edits(rng).items():
        before = after = near = 0
        for name in BANKED:
            original, entries = banked[name]
            for _ in range(samples):
                data = jpeg(edit(photo(name)))
                before += min(hamming(q, original) for q in _query(data, plain=True)) <= THRESHOLD
                best = min(hamming(q, e) for q in _query(data, plain=False) for e in entries)
                after += best <= THRESHOLD
                near += best <= radius
        n = len(BANKED) * samples
        rows[kind] = {"n": n, "before": before / n, "after": after / n, "near": near / n}
    return rows


def fixed_edits() -> dict[str, Any]:
    """Distances of the test suite's edits to the banked photo, before and after."""
    from tests.photos import BANKED, NEAR_COPY_EDITS, jpeg, photo

    from shieldwall.media import hamming, hash_bytes

    out = {}
    for edit, make in NEAR_COPY_EDITS.items():
        before, after = [], []
        for name in BANKED:
            h = hash_bytes(jpeg(photo(name)), near_copies=True)
            entries = [h.pdq or "", *(c.pdq for c in h.pdq_near)]
            data = make(photo(name))
            before.append(min(hamming(q, h.pdq or "") for q in _query(data, plain=True)))
            after.append(min(hamming(q, e) for q in _query(data, plain=False) for e in entries))
        out[edit] = {"before": before, "after": after}
    return out


def false_matches(radius: int) -> dict[str, Any]:
    """The ordinary set against the banked photos with all their near copies."""
    from tests.photos import BANKED, jpeg, ordinary_photos, photo

    from shieldwall.media import hamming, hash_bytes

    entries = []
    for name in BANKED:
        h = hash_bytes(jpeg(photo(name)), near_copies=True)
        entries += [h.pdq or ""] + [c.pdq for c in h.pdq_near if c.quality >= 50]
    closest, pairs = [], []
    usable = 0
    for img in ordinary_photos().values():
        h = hash_bytes(jpeg(img))
        if (h.pdq_quality or 0) < 50:
            continue
        usable += 1
        queries = [*h.pdq_dihedral, *h.pdq_untrimmed, *h.pdq_stripped]
        distances = [hamming(q, e) for q in queries for e in entries]
        closest.append(min(distances))
        pairs += [hamming(h.pdq or "", e) for e in entries]
    d = np.array(pairs)
    return {
        "photos": usable,
        "bank_entries": len(entries),
        "matched": sum(c <= THRESHOLD for c in closest),
        "near": sum(c <= radius for c in closest),
        "closest": min(closest),
        "pair_percentiles": {p: float(np.percentile(d, p)) for p in (0.1, 1, 5, 50)},
    }


def _table_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size('banks_bankentry')")
            return int(cursor.fetchone()[0])
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA page_count")
        pages = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA page_size")
        return pages * int(cursor.fetchone()[0])


def growth(removals: int) -> dict[str, Any]:
    """Rows and bytes a removal adds to a bank, with and without near copies."""
    from bench.bench_hash import make_corpus
    from shieldwall.banks import services as banks
    from shieldwall.banks.models import BankEntry
    from shieldwall.core.actors import cli_actor
    from shieldwall.matching.registry import build_bank_index, registry
    from shieldwall.media import hash_bytes

    actor = cli_actor()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        from pathlib import Path

        photos = [p.read_bytes() for p in make_corpus(removals, Path(tmp))]
    for label, near in (("without", False), ("with", True)):
        name = f"growth-{label}"
        bank = banks.create_bank(name=name, actor=actor, action="block")
        before = _table_bytes()
        for data in photos:
            h = hash_bytes(data, near_copies=near)
            banks.add_hashes(bank_name=name, rows=banks.entries_from_media(h), actor=actor)
        bank.refresh_from_db()
        rows = BankEntry.objects.filter(bank=bank).count()
        index = build_bank_index(bank)
        out[label] = {
            "rows_per_removal": rows / removals,
            "db_bytes_per_removal": (_table_bytes() - before) / removals,
            "index_bytes_per_removal": index.pdq.memory_bytes() / removals,
        }
    registry.clear()
    return out


def _cpu_ms(fn: Callable[[int], object], n: int) -> dict[str, float]:
    for i in range(3):
        fn(i)
    times = []
    for i in range(n):
        t = time.process_time()
        fn(i)
        times.append((time.process_time() - t) * 1000)
    return {"p50": float(np.percentile(times, 50)), "p99": float(np.percentile(times, 99))}


def scan_cost(n: int = 60) -> dict[str, Any]:
    """CPU cost of each part of a scan, with and without near copies."""
    from tests.photos import jpeg, ordinary_photos

    from shieldwall.core.actors import cli_actor
    from shieldwall.matching import services
    from shieldwall.media import hash_bytes

    uploads = [jpeg(img.resize((1024, 768))) for img in ordinary_photos().values()]
    hashes = [hash_bytes(u) for u in uploads]

    def query(h: Any, stripped: bool) -> services.QueryHashes:
        extra = h.pdq_stripped if stripped else ()
        return services.QueryHashes(
            md5=h.md5,
            sha256=h.sha256,
            pdq=h.pdq,
            pdq_quality=h.pdq_quality,
            pdq_variants=(*h.pdq_dihedral, *h.pdq_untrimmed, *extra),
        )

    actor = cli_actor()
    k = len(uploads)
    from django.conf import settings

    radius = settings.SHIELDWALL.near_match_radius
    return {
        "hash": _cpu_ms(lambda i: hash_bytes(uploads[i % k]), n),
        "hash_with_near_copies": _cpu_ms(lambda i: hash_bytes(uploads[i % k], near_copies=True), n),
        "match": _cpu_ms(lambda i: services.match_hashes(query(hashes[i % k], True)), n),
        "near_search": _cpu_ms(
            lambda i: services.near_matches([hashes[i % k].pdq or ""], radius=radius), n
        ),
        "scan_with_media_id": _cpu_ms(
            lambda i: services.scan_bytes(
                data=uploads[i % k], actor=actor, media_id=f"bench-{i}-{time.time()}"
            ),
            n,
        ),
    }


def run(samples: int = 8, removals: int = 50, database_url: str = "") -> dict[str, Any]:
    """Every figure above; printed and returned."""
    _django(database_url)
    from django.conf import settings

    radius = settings.SHIELDWALL.near_match_radius
    result: dict[str, Any] = {"radius": radius}
    result["coverage"] = coverage(samples, radius)
    head = f"random edit (6 photos x {samples})"
    print(f"{head:34} {'before':>7} {'after':>7} {'<=' + str(radius):>7}")
    for kind, r in result["coverage"].items():
        print(f"{kind:34} {r['before']:7.0%} {r['after']:7.0%} {r['near']:7.0%}")
    result["fixed"] = fixed_edits()
    print("\ntest-suite edits, distance to the banked photo (6 photos), before -> after:")
    for edit, r in result["fixed"].items():
        worst = f"max {max(r['before']):3} -> {max(r['after']):3}"
        print(f"  {edit:26} {worst}   {r['before']} -> {r['after']}")
    result["false_matches"] = fm = false_matches(radius)
    print(
        f"\nordinary set: {fm['photos']} photos vs {fm['bank_entries']} banked hashes (6 photos "
        f"with near copies): {fm['matched']} within {THRESHOLD}, {fm['near']} within {radius}, "
        f"closest {fm['closest']}; unrelated pair distances at 0.1/1/5/50 %: "
        + "/".join(f"{v:.0f}" for v in fm["pair_percentiles"].values())
    )
    # Scan costs first: the bank holds the six photos with their near copies (as above).
    from tests.photos import BANKED, jpeg, photo

    from shieldwall.banks import services as banks
    from shieldwall.core.actors import cli_actor

    banks.create_bank(name="removed", actor=cli_actor(), action="block")
    for name in BANKED:
        banks.add_media(bank_name="removed", data=jpeg(photo(name)), actor=cli_actor())
    result["scan_cost"] = cost = scan_cost()
    print("\nCPU ms per 1024x768 upload (p50 / p99):")
    for part, m in cost.items():
        print(f"  {part:24} {m['p50']:6.2f} / {m['p99']:6.2f}")
    result["growth"] = g = growth(removals)
    print(f"\nbank growth per removal ({removals} removals):")
    for label, r in g.items():
        print(
            f"  {label:7} near copies: {r['rows_per_removal']:.1f} rows, "
            f"{r['db_bytes_per_removal'] / 1024:.1f} KiB in the database, "
            f"{r['index_bytes_per_removal']:.0f} B in each process's index"
        )
    return result


def main() -> None:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=8)
    p.add_argument("--removals", type=int, default=50)
    p.add_argument("--database-url", default="")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    result = run(a.samples, a.removals, a.database_url)
    if a.json:
        print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
