"""Benchmark shieldwall's PdqIndex against threatexchange's PDQIndex (faiss multi-hash).

Usage: python bench/bench_match.py --sizes 1000000,10000000 --queries 1000
       [--data uniform,clustered] [--json]

Each (size, data, index) runs in a fresh subprocess so build time and RSS growth are its own.
A query is the eight dihedral variants of one image: half the queries have one variant that is
a bank entry with 10-20 random bits flipped (the other seven are unrelated hashes), half match
nothing. "clustered" banks derive every entry from a few thousand originals with 30-60 flips,
closer to real PDQ data than uniform random hashes, which flatter multi-index hashing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np

RADIUS = 31
SINGLE_QUERIES = 200  # te-single (8 calls of PDQIndex.query) is slow: time only this many


def _rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _flip(rows: np.ndarray, lo: int, hi: int, rng: np.random.Generator) -> np.ndarray:
    """Flip a random number in [lo, hi] of distinct random bits in each row."""
    bits = np.unpackbits(rows, axis=1)
    k = rng.integers(lo, hi + 1, len(rows))
    order = np.argsort(rng.random(bits.shape), axis=1)
    mask = np.arange(256)[None, :] < k[:, None]
    flips = np.zeros_like(bits)
    np.put_along_axis(flips, order, mask.astype(np.uint8), axis=1)
    return np.packbits(bits ^ flips, axis=1)


def make_data(
    n: int, nq: int, data: str, seed: int = 7
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bank (n, 32), queries (nq, 8, 32) and the bank row planted in each query (-1 if none).""" ""
    rng = np.random.default_rng(seed)
    if data == "uniform":
        bank = rng.integers(0, 256, (n, 32), dtype=np.uint8)
        miss = rng.integers(0, 256, (nq, 32), dtype=np.uint8)
    else:
        origins = rng.integers(0, 256, (max(1000, min(5000, n // 500)), 32), dtype=np.uint8)
        bank = np.empty((n, 32), dtype=np.uint8)
        for s in range(0, n, 250_000):
            e = min(n, s + 250_000)
            rate = rng.uniform(30 / 256, 60 / 256, (e - s, 1)).astype(np.float32)
            flips = np.packbits(rng.random((e - s, 256), dtype=np.float32) < rate, axis=1)
            bank[s:e] = origins[rng.integers(0, len(origins), e - s)] ^ flips
        # near a banked original but not within the radius of its derivatives: hard misses
        miss = _flip(origins[rng.integers(0, len(origins), nq)], 60, 60, rng)
    queries = rng.integers(0, 256, (nq, 8, 32), dtype=np.uint8)
    planted = np.where(np.arange(nq) % 2 == 0, rng.integers(0, n, nq), -1)
    slot = rng.integers(0, 8, nq)
    hit = planted >= 0
    queries[hit, slot[hit]] = _flip(bank[planted[hit]], 10, 20, rng)
    queries[~hit, slot[~hit]] = miss[~hit]
    return bank, queries, planted


def _worker(kind: str, n: int, nq: int, data: str) -> dict[str, Any]:
    bank, queries, planted = make_data(n, nq, data)
    ids = np.arange(n, dtype=np.int64)
    if kind == "threatexchange":
        import faiss
        from threatexchange.signal_type.pdq.pdq_index import PDQIndex

        hexes = [r.tobytes().hex() for r in bank]
        qhex = [[r.tobytes().hex() for r in q] for q in queries]
        del bank
        gc.collect()
        rss0, t0 = _rss(), time.perf_counter()
        te = PDQIndex(zip(hexes, range(n), strict=True))
        build, rss1 = time.perf_counter() - t0, _rss()

        def single(i: int) -> set[tuple[int, int]]:
            return {(v, m.metadata) for v, h in enumerate(qhex[i]) for m in te.query(h)}

        def batch(i: int) -> set[tuple[int, int]]:
            res = te.index.search_with_distance_in_result(qhex[i], RADIUS)
            return {(v, int(m[0])) for v, h in enumerate(qhex[i]) for m in res[h]}

        def batch_1t(i: int) -> set[tuple[int, int]]:
            faiss.omp_set_num_threads(1)  # no OpenMP spin/barrier cost for 8 small queries
            try:
                return batch(i)
            finally:
                faiss.omp_set_num_threads(threads)

        threads = faiss.omp_get_max_threads()
        modes = {"te-batch": batch, "te-batch-1t": batch_1t, "te-single": single}
    else:
        from shieldwall.matching.index import PdqIndex

        gc.collect()
        rss0, t0 = _rss(), time.perf_counter()
        ix = PdqIndex(bank, ids)
        build, rss1 = time.perf_counter() - t0, _rss()

        def ours(i: int) -> set[tuple[int, int]]:
            return {(m.query, m.id) for m in ix.search(queries[i], RADIUS)}

        modes = {"ours": ours}
    out: dict[str, Any] = {"build_s": build, "bytes_per_entry": (rss1 - rss0) / n, "modes": {}}
    out["loadavg_start"] = os.getloadavg()[0]
    if kind != "threatexchange":
        out["struct_bytes_per_entry"] = ix.memory_bytes() / n
    for name, fn in modes.items():
        for i in range(min(20, nq)):
            fn(i)  # warm up
        times, found, digest, digests = [], 0, 0, {}
        count = min(nq, SINGLE_QUERIES) if name == "te-single" else nq
        for i in range(count):
            t = time.perf_counter()
            res = fn(i)
            times.append(time.perf_counter() - t)
            found += planted[i] >= 0 and any(hit_id == planted[i] for _, hit_id in res)
            digest ^= hash(frozenset((i, v, h) for v, h in res))
            if i + 1 in (count, SINGLE_QUERIES):
                digests[str(i + 1)] = digest
        ms = np.array(times) * 1e3
        out["modes"][name] = {
            "p50_ms": float(np.percentile(ms, 50)),
            "p99_ms": float(np.percentile(ms, 99)),
            "recall": found / max(1, int((planted[:count] >= 0).sum())),
            "queries": count,
            "digests": digests,
        }
    out["loadavg_end"] = os.getloadavg()[0]
    return out


def _spawn(kind: str, n: int, nq: int, data: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", kind, str(n), str(nq), data]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


COLUMNS = [
    "size",
    "data",
    "index",
    "build_s",
    "B/entry",
    "p50_ms",
    "p99_ms",
    "recall",
    "queries",
    "load",
]


def _line(cells: list[object]) -> str:
    widths = (10, 9, 12, 8, 8, 8, 8, 7, 7, 5)
    return " ".join(
        f"{c:>{w}.2f}" if isinstance(c, float) else f"{c!s:>{w}}"
        for c, w in zip(cells, widths, strict=True)
    )


def run(
    sizes: list[int], queries: int, datas: tuple[str, ...] = ("uniform", "clustered")
) -> dict[str, Any]:
    """Benchmark both indices per size and data kind; print and return a table."""
    rows = []
    print(_line(COLUMNS))
    for n in sizes:
        for data in datas:
            ours = _spawn("ours", n, queries, data)
            te = _spawn("threatexchange", n, queries, data)
            for res in (ours, te):
                for name, m in res["modes"].items():
                    cells = [
                        n,
                        data,
                        name,
                        res["build_s"],
                        round(res["bytes_per_entry"]),
                        m["p50_ms"],
                    ]
                    load = max(res["loadavg_start"], res["loadavg_end"])
                    print(_line([*cells, m["p99_ms"], m["recall"], m["queries"], load]))
            best_name, best = min(te["modes"].items(), key=lambda kv: kv[1]["p99_ms"])
            o = ours["modes"]["ours"]
            row = {
                "size": n,
                "data": data,
                "ours": ours,
                "threatexchange": te,
                "te_best_mode": best_name,
                "p99_ratio": o["p99_ms"] / best["p99_ms"],
                "memory_ratio": ours["bytes_per_entry"] / te["bytes_per_entry"],
                "same_matches": all(o["digests"].get(k) == v for k, v in best["digests"].items()),
            }
            print(
                f"{'':>21} ours/{best_name}: p99 x{row['p99_ratio']:.3f}"
                f" ({1 / row['p99_ratio']:.1f}x"
                f" faster), memory x{row['memory_ratio']:.2f}, same matches: {row['same_matches']}"
            )
            rows.append(row)
    return {"radius": RADIUS, "queries": queries, "rows": rows}


def main() -> None:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="1000000,10000000")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--data", default="uniform,clustered")
    p.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="also print the result as JSON")
    a = p.parse_args()
    if a.worker:
        kind, n, nq, data = a.worker
        print(json.dumps(_worker(kind, int(n), int(nq), data)))
        return
    result = run([int(s) for s in a.sizes.split(",")], a.queries, tuple(a.data.split(",")))
    if a.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
