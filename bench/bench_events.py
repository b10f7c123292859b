"""Platform events in: events/s through `ingest_events` and through POST /api/v1/events.

Run: python -m bench.bench_events [--events 20000] [--batch 500] [--database-url URL]
                                  [--no-http]

A realistic mix (new posts, edits, deletions, media, metrics, account events; a tenth of each
batch out of order; posts whose account or post event comes later) is sent in batches, on a
fresh SQLite home and, with --database-url, on PostgreSQL (in its own database
`shieldwall_bench_events`, dropped and created afresh). Each database runs in its own process.
Figures: the service alone (validation included), the whole HTTP request through Django's
test client (JSON, auth, validation, service, answer), and a re-delivery of everything
(all duplicates).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.support import drop_postgres, fresh_postgres

BENCH_DB = "shieldwall_bench_events"
MIX = (
    ("post.created", 45),
    ("post.metrics", 25),
    ("media.attached", 10),
    ("post.updated", 10),
    ("account.updated", 5),
    ("post.deleted", 5),
)


def make_events(n: int, prefix: str, seed: int = 7) -> list[dict[str, Any]]:
    """N events about one platform's accounts and posts, in roughly platform time order."""
    rng = random.Random(seed)
    kinds = [k for k, weight in MIX for _ in range(weight)]
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    accounts = max(1, n // 20)
    posts: list[str] = []
    out: list[dict[str, Any]] = []
    for i in range(n):
        kind = rng.choice(kinds) if posts else "post.created"
        when = (t0 + timedelta(seconds=i * 3)).isoformat().replace("+00:00", "Z")
        account = f"{prefix}a{rng.randrange(accounts)}"
        data: dict[str, Any]
        if kind == "post.created":
            post_id = f"{prefix}p{len(posts)}"
            posts.append(post_id)
            tags = [f"tag{rng.randrange(500)}" for _ in range(rng.randrange(4))]
            data = {
                "post_id": post_id,
                "account_id": account,
                "text": "placeholder text " * rng.randrange(1, 12)
                + " ".join(f"#{t}" for t in tags),
                "hashtags": tags,
                "media_ids": [f"{prefix}m{i}"] if rng.random() < 0.3 else [],
                "reply_to": rng.choice(posts) if rng.random() < 0.2 else None,
                "url": f"https://example.test/p/{post_id}",
            }
        elif kind == "post.updated":
            post_id = rng.choice(posts)
            data = {
                "post_id": post_id,
                "account_id": account,
                "text": "edited",
                "hashtags": [f"tag{rng.randrange(500)}"],
            }
        elif kind == "post.deleted":
            data = {"post_id": rng.choice(posts)}
        elif kind == "media.attached":
            data = {
                "media_id": f"{prefix}m{i}",
                "post_id": rng.choice(posts),
                "media_type": "image",
            }
        elif kind == "post.metrics":
            data = {
                "post_id": rng.choice(posts),
                "views": rng.randrange(10**6),
                "reshares": rng.randrange(10**4),
                "likes": rng.randrange(10**5),
            }
        else:
            data = {"account_id": account, "handle": f"user{i}", "display_name": "Someone"}
        out.append({"id": f"{prefix}e{i}", "type": kind, "occurred_at": when, "data": data})
    # A tenth of the events swap places with a neighbour: late deliveries.
    for _ in range(n // 10):
        j = rng.randrange(n - 1)
        out[j], out[j + 1] = out[j + 1], out[j]
    return out


def _batches(events: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [events[i : i + size] for i in range(0, len(events), size)]


def _child(n: int, batch: int, http: bool) -> dict[str, Any]:
    """Run inside a configured environment: set up Django, migrate, measure."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shieldwall.settings")
    os.environ.setdefault("SHIELDWALL_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from shieldwall.core import apikeys
    from shieldwall.core.actors import cli_actor
    from shieldwall.subjects import services
    from shieldwall.subjects.models import Account, Post, PostMetrics

    call_command("migrate", interactive=False, verbosity=0)
    actor = cli_actor()
    result: dict[str, Any] = {"database": connection.vendor, "events": n, "batch": batch}

    def timed(events: list[dict[str, Any]], send: Any) -> float:
        started = time.perf_counter()
        for chunk in _batches(events, batch):
            send(chunk)
        return n / (time.perf_counter() - started)

    service_events = make_events(n, "s")
    result["service_eps"] = timed(
        service_events, lambda c: services.ingest_events(events=c, actor=actor)
    )
    result["duplicate_eps"] = timed(
        service_events, lambda c: services.ingest_events(events=c, actor=actor)
    )
    if http:
        _, key = apikeys.create_api_key(name="bench-events", actor=actor)
        client = Client(headers={"Authorization": f"Bearer {key}"})

        def post(chunk: list[dict[str, Any]]) -> None:
            r = client.post("/api/v1/events", {"events": chunk}, content_type="application/json")
            if r.status_code != 200:
                raise RuntimeError(f"HTTP {r.status_code}: {r.content[:300]!r}")

        result["http_eps"] = timed(make_events(n, "h", seed=8), post)
    result["stored"] = {
        "accounts": Account.objects.count(),
        "posts": Post.objects.count(),
        "metrics": PostMetrics.objects.count(),
    }
    return result


def run(
    events: int = 20_000, batch: int = 500, database_url: str = "", http: bool = True
) -> dict[str, Any]:
    """Measure one database in a child process (fresh home; its own PostgreSQL database)."""
    home = tempfile.mkdtemp(prefix="sw-bench-events-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIELDWALL_")}
    env["SHIELDWALL_HOME"] = home
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = fresh_postgres(database_url, BENCH_DB)
    args = [sys.executable, "-m", "bench.bench_events", "--child"]
    args += ["--events", str(events), "--batch", str(batch)]
    if not http:
        args.append("--no-http")
    try:
        out = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if database_url:
            drop_postgres(env["DATABASE_URL"])
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def report(r: dict[str, Any]) -> None:
    """Print one result line."""
    line = (
        f"events in, {r['database']}, {r['events']} events in batches of {r['batch']}: "
        f"service {r['service_eps']:,.0f} events/s"
    )
    if "http_eps" in r:
        line += f", HTTP {r['http_eps']:,.0f} events/s"
    line += f", re-delivered (all duplicates) {r['duplicate_eps']:,.0f} events/s"
    print(line)
    print(f"  stored: {r['stored']}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--events", type=int, default=20_000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--database-url", default="", help="a PostgreSQL server to measure too")
    p.add_argument("--no-http", dest="http", action="store_false")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if not 1 <= a.batch <= 1000:
        p.error("--batch must be 1 to 1000 (the API's limit)")
    if a.child:
        print(json.dumps(_child(a.events, a.batch, a.http)))
        return
    for url in ["", a.database_url] if a.database_url else [""]:
        report(run(a.events, a.batch, url, a.http))


if __name__ == "__main__":
    main()
