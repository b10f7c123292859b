"""Report intake through the HTTP API: sustained reports per second, nothing lost.

Run: python -m bench.bench_reports [--reports 10000] [--clients 16] [--workers 2]
                                   [--database-url postgres://.../shieldwall_bench_reports]

Starts `shieldwall serve` on a fresh home (and a fresh PostgreSQL database when given),
sends CSE and spam reports about many posts from concurrent clients, then checks in the
database that every accepted report was stored and filed into a case.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import numpy as np

from bench.support import bench_env, cli, fresh_postgres, running_server

CSE = [
    ["report_post", "start"],
    ["who_affected", "someone_else"],
    ["what_happening", "sensitive"],
    ["sensitive_kind", "cse"],
    ["cse_confirm", "yes"],
    ["review", "submit"],
]
SPAM = [
    ["report_post", "start"],
    ["who_affected", "everyone"],
    ["what_happening", "spam"],
    ["review", "submit"],
]


def _body(n: int) -> dict[str, Any]:
    path = CSE if n % 3 else SPAM
    return {
        "idempotency_key": f"bench-{n}",
        "subject": {"type": "post", "id": f"post-{n % 2000}", "has_media": False},
        "path": [{"step": s, "option": o} for s, o in path],
        "fields": {"context": "placeholder context"},
        "reporter": {"platform_id": f"user-{n % 5000}"},
    }


def _wait_filed(env: dict[str, str], total: int, timeout: float = 600) -> float:
    """Seconds until the worker has filed all `total` reports into cases."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if _stored(env)[1] >= total:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def _stored(env: dict[str, str]) -> tuple[int, int]:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','shieldwall.settings');"
        "django.setup();"
        "from shieldwall.reports.models import Report;"
        "from shieldwall.cases.models import CaseReport;"
        "print(Report.objects.count(), CaseReport.objects.count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]), int(out[1])


def run(
    reports: int = 10000, clients: int = 16, workers: int = 2, database_url: str = ""
) -> dict[str, Any]:
    """Send `reports` reports from `clients` threads; return rate, latency and counts."""
    env = bench_env("sw-bench-reports-", fresh_postgres(database_url) if database_url else "")
    key = cli(env, "apikey", "create", "bench").strip().splitlines()[-1]
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    worker = subprocess.Popen(  # files the stored reports into cases
        [sys.executable, "-m", "shieldwall.cli", "worker"],
        env={**env, "SHIELDWALL_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with running_server(env, workers=workers, threads=8) as base:
        counter = iter(range(reports))
        next_lock = threading.Lock()

        def client() -> None:
            mine, bad = [], []
            with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
                while True:
                    with next_lock:
                        n = next(counter, None)
                    if n is None:
                        break
                    t0 = time.perf_counter()
                    r = c.post(f"{base}/api/v1/reports", json=_body(n))
                    mine.append(time.perf_counter() - t0)
                    if r.status_code != 201:
                        bad.append(r.status_code)
            with lock:
                latencies.extend(mine)
                failures.extend(bad)

        started = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    try:
        drained = _wait_filed(env, reports)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    stored, filed = _stored(env)
    ms = np.array(latencies) * 1000
    return {
        "database": "postgresql" if database_url else "sqlite",
        "reports": reports,
        "clients": clients,
        "workers": workers,
        "rate_per_s": reports / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "failures": len(failures),
        "stored": stored,
        "filed_into_cases": filed,
        "filed_within_s": drained,
    }


def report(r: dict[str, Any]) -> None:
    """Print the figures against the 500 reports/s target."""
    lost = r["reports"] - r["failures"] - r["stored"]
    print(
        f"report intake over HTTP, {r['database']}, {r['clients']} clients, {r['workers']} "
        f"workers: {r['rate_per_s']:.0f} reports/s (target >= 500), p50 {r['p50_ms']:.1f} ms, "
        f"p99 {r['p99_ms']:.1f} ms; {r['stored']} stored, {r['filed_into_cases']} filed into "
        f"cases (all filed {r['filed_within_s']:.1f} s after the last report), "
        f"{r['failures']} refused, {lost} lost"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--reports", type=int, default=10000)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--database-url", default="")
    a = p.parse_args()
    report(run(a.reports, a.clients, a.workers, a.database_url))


if __name__ == "__main__":
    main()
