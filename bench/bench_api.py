"""POST /api/v1/scan under load: 16 concurrent clients on loopback against `shieldwall serve`.

Run: python -m bench.bench_api [--clients 16] [--seconds 20] [--workers 2] [--database-url URL]
"""

from __future__ import annotations

import argparse
import io
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image, ImageOps
from skimage import data as skdata

from bench.support import bench_env, cli, fresh_postgres, running_server

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera", "retina", "hubble_deep_field")


def _jpeg(img: Image.Image, size: tuple[int, int] = (1024, 768), quality: int = 85) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").resize(size).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _uploads() -> tuple[list[bytes], list[bytes]]:
    """Photos to bank, and 1024x768 uploads: half edited copies of them, half unrelated."""
    banked, uploads = [], []
    for n, name in enumerate(PHOTOS):
        img = Image.fromarray(getattr(skdata, name)()).convert("RGB")
        banked.append(_jpeg(img))
        uploads.append(_jpeg(ImageOps.mirror(img), quality=60 + n))
        rng = np.random.default_rng(n)
        noise = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
        uploads.append(_jpeg(Image.fromarray(noise).resize((1024, 768), Image.Resampling.BICUBIC)))
    return banked, uploads


def run(
    clients: int = 16, seconds: float = 20.0, workers: int = 2, database_url: str = ""
) -> dict[str, Any]:
    """Start a server on a fresh home, bank photos, hammer /scan; return latency figures."""
    env = bench_env("sw-bench-", fresh_postgres(database_url) if database_url else "")
    banked, uploads = _uploads()
    cli(env, "bank", "create", "bench", "--action", "block")
    for n, data in enumerate(banked):
        path = Path(env["SHIELDWALL_HOME"]) / f"banked-{n}.jpg"
        path.write_bytes(data)
        cli(env, "bank", "add", "bench", str(path))
    key = cli(env, "apikey", "create", "bench").strip().splitlines()[-1]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    with running_server(env, workers=workers, threads=4) as base:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(headers=headers, timeout=60) as warm:  # load each worker's index
            for data in uploads:
                warm.post(f"{base}/api/v1/scan", files={"media": ("u.jpg", data)})
        stop_at = time.monotonic() + seconds

        def client(n: int) -> None:
            nonlocal errors
            mine: list[float] = []
            bad = 0
            with httpx.Client(headers=headers, timeout=60) as c:
                i = n
                while time.monotonic() < stop_at:
                    data = uploads[i % len(uploads)]
                    i += 1
                    t0 = time.perf_counter()
                    r = c.post(f"{base}/api/v1/scan", files={"media": ("u.jpg", data)})
                    mine.append(time.perf_counter() - t0)
                    if r.status_code != 200:
                        bad += 1
            with lock:
                latencies.extend(mine)
                errors += bad

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    ms = np.array(latencies) * 1000
    return {
        "clients": clients,
        "workers": workers,
        "database": "postgresql" if database_url else "sqlite",
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
    }


def report(r: dict[str, Any]) -> None:
    """Print one result line."""
    print(
        f"POST /api/v1/scan, {r['clients']} clients, {r['workers']} workers, {r['database']}: "
        f"{r['throughput_rps']:.1f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms "
        f"({r['requests']} requests, {r['errors']} errors)"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--database-url", default="")
    a = p.parse_args()
    report(run(a.clients, a.seconds, a.workers, a.database_url))


if __name__ == "__main__":
    main()
