"""POST /api/v1/hashtags/check and /api/v1/search/check under load against `shieldwall serve`.

16 concurrent clients on loopback, each call measured end to end. The baseline, in the same
run and on the same server, is the same calls with no rules at all; then 10,000 made-up
placeholder rules (exact, contains and near) are loaded and the same calls are repeated.

Run: python -m bench.bench_terms_api [--clients 16] [--seconds 10] [--rules 10000]
                                      [--workers 2] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import numpy as np

from bench.support import bench_env, cli, fresh_postgres, running_server

ORDINARY = (
    "sunset",
    "beach",
    "coffee",
    "morning",
    "travel",
    "family",
    "garden",
    "music",
    "football",
    "recipe",
    "weekend",
    "puppy",
    "kitten",
    "mountain",
    "river",
    "autumn",
    "winter",
    "spring",
    "summer",
    "photo",
    "art",
    "design",
    "city",
    "street",
    "market",
    "books",
    "reading",
    "running",
    "cycling",
    "friends",
    "birthday",
    "wedding",
    "holiday",
)

# Loads the rules straight into the table (as many add_rule calls would, without 10,000
# audit events): terms made of random letters, so no real term is ever in it.
_LOADER = """
import random, string, sys
from shieldwall.core.cli_kit import setup
setup()
from django.utils import timezone
from shieldwall.terms.models import TermRule
from shieldwall.terms.normalise import normaliser_version, term_key
n, seed = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
now, version, seen, rows = timezone.now(), normaliser_version(), set(), []
while len(rows) < n:
    term = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(8, 14)))
    match = rng.choices(["exact", "contains", "near"], weights=[7, 2, 1])[0]
    key = term_key(term)
    if (key, match) in seen:
        continue
    seen.add((key, match))
    rows.append(TermRule(term=term, key=key, normaliser_version=version, match=match,
                         created_by="cli:bench", created_at=now, reason="bench"))
TermRule.objects.bulk_create(rows, batch_size=1000)
print(" ".join(r.term for r in rows[:200]))
"""


def load_rules(env: dict[str, str], n: int, seed: int = 9) -> list[str]:
    """Insert `n` placeholder rules; -> the first terms (to build caught tags from)."""
    out = subprocess.run(
        [sys.executable, "-c", _LOADER, str(n), str(seed)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


def _bodies(caught: list[str], seed: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Tag lists (5 tags, one in ten with a caught tag) and queries (3-5 words)."""
    rng = random.Random(seed)
    tag_bodies, query_bodies = [], []
    for i in range(500):
        tags = [rng.choice(ORDINARY) + rng.choice(["", str(rng.randint(1, 99))]) for _ in range(5)]
        if caught and i % 10 == 0:
            tags[rng.randrange(5)] = rng.choice(caught).capitalize()
        tag_bodies.append({"tags": tags})
        words = [rng.choice(ORDINARY) for _ in range(rng.randint(3, 5))]
        if caught and i % 10 == 5:
            words.insert(1, rng.choice(caught))
        query_bodies.append({"query": " ".join(words)})
    return tag_bodies, query_bodies


def _hammer(
    base: str, key: str, path: str, bodies: list[dict[str, Any]], clients: int, seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    suppressed = 0
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {key}"}
    stop_at = time.monotonic() + seconds

    def client(n: int) -> None:
        nonlocal errors, suppressed
        mine: list[float] = []
        bad = hits = 0
        with httpx.Client(headers=headers, timeout=30) as c:
            i = n * 37
            while time.monotonic() < stop_at:
                body = bodies[i % len(bodies)]
                i += 1
                t0 = time.perf_counter()
                r = c.post(f"{base}{path}", json=body) if body else c.get(f"{base}{path}")
                mine.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    bad += 1
                elif body and r.json()["interstitial"] is not None:
                    hits += 1
        with lock:
            latencies.extend(mine)
            errors += bad
            suppressed += hits

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    ms = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "errors": errors,
        "suppressed": suppressed,
        "throughput_rps": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
    }


def _warm(base: str, key: str, paths: dict[str, list[dict[str, Any]]]) -> None:
    """A few calls per worker process and thread, so each has compiled the rules."""
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        for path, bodies in paths.items():
            for body in bodies[:40]:
                r = c.post(f"{base}{path}", json=body)
                r.raise_for_status()


def run(
    clients: int = 16,
    seconds: float = 10.0,
    rules: int = 10_000,
    workers: int = 2,
    database_url: str = "",
) -> dict[str, Any]:
    """Both checks with no rules (the baseline), then with `rules` rules; -> the figures."""
    env = bench_env("sw-bench-terms-", fresh_postgres(database_url) if database_url else "")
    key = cli(env, "apikey", "create", "bench", "--scope", "search").strip().splitlines()[-1]
    result: dict[str, Any] = {
        "clients": clients,
        "workers": workers,
        "rules": rules,
        "database": "postgresql" if database_url else "sqlite",
    }
    with running_server(env, workers=workers, threads=4) as base:
        tag_bodies, query_bodies = _bodies([])
        paths = {"/api/v1/hashtags/check": tag_bodies, "/api/v1/search/check": query_bodies}
        _warm(base, key, paths)
        # The floor: the cheapest answer this server gives (no auth, no body, no query) under
        # the same clients; what the machine allows any request at this concurrency.
        result["floor /healthz"] = _hammer(base, key, "/healthz", [{}], clients, seconds)
        for path, bodies in paths.items():
            result[f"baseline {path}"] = _hammer(base, key, path, bodies, clients, seconds)
        caught = load_rules(env, rules)
        tag_bodies, query_bodies = _bodies(caught)
        paths = {"/api/v1/hashtags/check": tag_bodies, "/api/v1/search/check": query_bodies}
        time.sleep(1.5)  # one probe interval: every process sees the rules changed
        t0 = time.perf_counter()
        _warm(base, key, paths)
        result["warm_seconds"] = time.perf_counter() - t0
        for path, bodies in paths.items():
            result[path] = _hammer(base, key, path, bodies, clients, seconds)
    return result


def report(r: dict[str, Any]) -> None:
    """One line per measurement, and the ratio to the no-rules baseline."""
    print(
        f"terms checks, {r['clients']} clients, {r['workers']} workers, {r['database']}; "
        f"first calls after loading {r['rules']} rules took {r['warm_seconds']:.2f} s"
    )
    floor = r.get("floor /healthz")
    if floor:
        print(
            f"  GET /healthz, the floor (same clients, no work): {floor['throughput_rps']:.0f} "
            f"req/s, p50 {floor['p50_ms']:.2f} ms, p99 {floor['p99_ms']:.2f} ms"
        )
    for path in ("/api/v1/hashtags/check", "/api/v1/search/check"):
        base, m = r[f"baseline {path}"], r[path]
        for label, x in (("0 rules (baseline)", base), (f"{r['rules']} rules", m)):
            print(
                f"  POST {path}, {label}: {x['throughput_rps']:.0f} req/s, "
                f"p50 {x['p50_ms']:.2f} ms, p99 {x['p99_ms']:.2f} ms "
                f"({x['requests']} requests, {x['errors']} errors, {x['suppressed']} suppressed)"
            )
        print(
            f"  -> with rules / baseline: p99 x{m['p99_ms'] / base['p99_ms']:.2f}, "
            f"req/s x{m['throughput_rps'] / base['throughput_rps']:.2f}; "
            f"goal p99 < 10 ms: {'met' if m['p99_ms'] < 10 else 'NOT met'}"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rules", type=int, default=10_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--database-url", default="")
    a = p.parse_args()
    report(run(a.clients, a.seconds, a.rules, a.workers, a.database_url))


if __name__ == "__main__":
    main()
