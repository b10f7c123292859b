"""Benchmark hostile media against a real `shieldwall serve`, and the cost of isolation.

Run: python -m bench.bench_hostile [--images 100] [--tiny-frames 270000] [--json]

For each hostile file: the HTTP answer, the wall time to it, the CPU seconds the whole
server process tree spent on it (gunicorn master and worker, the fork server, the decoding
children, and children already killed and reaped), and the serving worker's RSS before and
after. Then ordinary 1024x768 JPEGs hashed in this process and through a DecodePool child,
in the same run, as ms/image and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
from tests.hostile import huge_canvas_gif, many_frames_video

from bench.support import bench_env, cli, free_port

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _tree(pid: int) -> list[int]:
    """The process and all its descendants, now."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):  # any thread may have started one
            with suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return out


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process tree, reaped children included (they move to cutime)."""
    total = 0
    for p in _tree(pid):
        try:
            fields = _stat(p)
        except OSError:
            continue
        total += sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return total / TICK


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def serving(env: dict[str, str]) -> Iterator[tuple[str, int, int]]:
    """A one-worker `shieldwall serve`: (base URL, master pid, worker pid)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shieldwall.cli", "serve", "--port", str(port), "--workers", "1"],
        env={**env, "SHIELDWALL_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        worker = _tree(proc.pid)[1]
        yield base, proc.pid, worker
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def hostile_files(tiny_frames: int) -> dict[str, bytes]:
    """The hostile files of issue 7 and their cousins, built on the spot."""
    return {
        "gif 6000x6000 x200 frames": huge_canvas_gif(),
        "mp4 16x16, 3000 frames at 1000 fps": many_frames_video(frames=3000, fps=1000),
        "mp4 16x16, 520k frames at 60 fps": many_frames_video(frames=520_000, fps=60),
        f"mp4 16x16, {tiny_frames // 1000}k frames at 30 fps": many_frames_video(
            frames=tiny_frames, fps=30
        ),
    }


def run_hostile(tiny_frames: int) -> list[dict[str, object]]:
    """Upload each hostile file to a fresh server; figures per file."""
    files = hostile_files(tiny_frames)
    env = bench_env("sw-bench-hostile-")
    key = cli(env, "apikey", "create", "bench").strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    rows = []
    with serving(env) as (base, master, worker):
        warm = _photo_jpeg()
        for _ in range(3):  # start the decoding child and settle the worker's memory
            httpx.post(f"{base}/api/v1/scan", files={"media": ("a", warm)}, headers=headers)
        for name, data in files.items():
            rss_before, cpu_before = rss_mb(worker), tree_cpu(master)
            started = time.monotonic()
            r = httpx.post(
                f"{base}/api/v1/scan", files={"media": ("x", data)}, headers=headers, timeout=600
            )
            wall = time.monotonic() - started
            time.sleep(1.0)  # the worker frees the request after sending the answer
            body = r.json()
            rows.append(
                {
                    "file": name,
                    "bytes": len(data),
                    "status": r.status_code,
                    "answer": body["error"]["code"] if "error" in body else body["verdict"],
                    "wall_s": round(wall, 3),
                    "cpu_s": round(tree_cpu(master) - cpu_before, 3),
                    "worker_rss_before_mb": round(rss_before, 1),
                    "worker_rss_after_mb": round(rss_mb(worker), 1),
                }
            )
    return rows


def _photo_jpeg() -> bytes:
    from tests.photos import jpeg, photo

    return jpeg(photo("coffee"))


def run_overhead(images: int) -> dict[str, float]:
    """ms/image hashing ordinary JPEGs in this process and in a decoding child."""
    from bench.bench_hash import make_corpus
    from shieldwall.media import MediaLimits, hash_bytes
    from shieldwall.media.isolation import DecodePool

    limits = MediaLimits()
    with tempfile.TemporaryDirectory(prefix="sw-bench-isolation-") as tmp:
        corpus = [p.read_bytes() for p in make_corpus(images, Path(tmp))]
    pool = DecodePool(workers=1)
    pool.hash_bytes(corpus[0], limits=limits)  # the first child's start is paid once

    def per_image(hash_one: Callable[[bytes], object]) -> float:
        times = []
        for data in corpus:
            started = time.perf_counter()
            hash_one(data)
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    try:
        rounds = [
            (
                per_image(lambda d: hash_bytes(d, limits=limits)),
                per_image(lambda d: pool.hash_bytes(d, limits=limits)),
            )
            for _ in range(2)
        ]
    finally:
        pool.close()
    in_process = min(r[0] for r in rounds)
    isolated = min(r[1] for r in rounds)
    return {
        "images": images,
        "in_process_ms": round(in_process, 2),
        "isolated_ms": round(isolated, 2),
        "ratio": round(isolated / in_process, 3),
    }


def run(images: int = 100, tiny_frames: int = 270_000) -> dict[str, Any]:
    """Every figure of this benchmark."""
    return {"hostile": run_hostile(tiny_frames), "isolation": run_overhead(images)}


def report(results: dict[str, Any]) -> None:
    """Print the figures as a table."""
    print(f"{'file':38} {'bytes':>9} {'answer':>28} {'wall s':>7} {'cpu s':>6}  worker RSS MB")
    for row in results["hostile"]:
        answer = f"{row['status']} {row['answer']}"
        print(
            f"{row['file']:38} {row['bytes']:>9,} {answer:>28} {row['wall_s']:>7.2f} "
            f"{row['cpu_s']:>6.2f}  {row['worker_rss_before_mb']:.1f} -> "
            f"{row['worker_rss_after_mb']:.1f}"
        )
    iso = results["isolation"]
    print(
        f"ordinary JPEGs (1024x768, median of {iso['images']}): in process "
        f"{iso['in_process_ms']} ms/image, in a decoding child {iso['isolated_ms']} ms/image, "
        f"ratio {iso['ratio']}x"
    )


def main() -> None:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--tiny-frames", type=int, default=270_000)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    results = run(a.images, a.tiny_frames)
    if a.json:
        print(json.dumps(results, indent=2))
    else:
        report(results)


if __name__ == "__main__":
    main()
