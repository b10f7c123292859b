"""The moderator's desk queue page with 100,000 open cases: p50/p95 against 200 ms.

Run: python -m bench.bench_queue [--cases 100000] [--requests 50] [--database-url URL]

Cases are bulk-created (a realistic spread of tiers, categories, states, deadlines and
assignees, plus a fifth as many closed ones) on a fresh SQLite home and, with
--database-url, on PostgreSQL in its own database `shieldwall_bench_queue` (dropped and
created afresh). Each database runs in its own process. Every request goes through a
logged-in Django test client: the whole page (session, permissions, queries, template).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from typing import Any

from bench.support import drop_postgres, fresh_postgres

BENCH_DB = "shieldwall_bench_queue"
TARGET_MS = 200.0
CATEGORIES = {
    1: ["child_sexual_exploitation"],
    2: ["non_consensual_nudity"],
    3: ["spam", "harassment", "adult_content", "graphic_content", "violence", "other"],
}
SIGNALS = ["new_account", "many_reporters", "fast_growing_reach", "bank_match", "trusted_flagger"]


def _urlpatterns() -> list[Any]:
    from django.contrib.auth import views as auth_views
    from django.urls import include, path

    from shieldwall import urls as root

    have = {str(p.pattern) for p in root.urlpatterns}
    extra: list[Any] = []
    if "desk/" not in have:
        extra.append(path("desk/", include("shieldwall.cases.urls")))
    if "accounts/login/" not in have:
        extra.append(path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"))
    return [*root.urlpatterns, *extra]


def _seed(n: int, rng: random.Random) -> Any:
    """Bulk-create n open cases (and n/5 closed), staff to assign, accounts with handles."""
    from django.utils import timezone

    from shieldwall.cases.models import Case
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.staff import create_staff_user
    from shieldwall.subjects.models import Account

    actor = cli_actor()
    users = [
        create_staff_user(
            username=f"mod{i}", roles=["moderator"], actor=actor, password="bench-password-123"
        )[0]
        for i in range(8)
    ]
    now = timezone.now()
    Account.objects.bulk_create(
        [
            Account(account_id=f"a{i}", handle=f"user{i}", first_seen_at=now, is_placeholder=False)
            for i in range(max(1, n // 20))
        ],
        batch_size=5000,
    )
    batch: list[Case] = []
    total = n + n // 5
    for i in range(total):
        tier = rng.choices([1, 2, 3], weights=[5, 10, 85])[0]
        closed = i >= n
        state = (
            "closed"
            if closed
            else rng.choices(["open", "acknowledged", "escalated"], weights=[70, 20, 10])[0]
        )
        opened = now - timedelta(minutes=rng.randrange(0, 4 * 24 * 60))
        window = {1: 60, 2: 12 * 60, 3: 72 * 60}[tier]
        batch.append(
            Case(
                public_id=f"case_bench{i:08d}",
                subject_type="post",
                subject_id=f"p{i}",
                account_id=f"a{rng.randrange(max(1, n // 20))}",
                category=rng.choice(CATEGORIES[tier]),
                tier=tier,
                signals=rng.sample(SIGNALS, rng.choice([0, 0, 0, 1, 2])),
                state=state,
                decision="no_violation" if closed else "",
                assignee=rng.choice(users) if rng.random() < 0.15 else None,
                opened_at=opened,
                deadline_at=opened + timedelta(minutes=window),
                report_count=rng.choice([1, 1, 1, 2, 3, 12]),
                reporter_count=1,
                verified_match=tier == 1 and rng.random() < 0.2,
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    if batch:
        Case.objects.bulk_create(batch)
    return users[0]


def _child(n: int, requests: int) -> dict[str, Any]:
    """Run inside a configured environment: set up Django, migrate, seed, measure."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shieldwall.settings")
    os.environ.setdefault("SHIELDWALL_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    call_command("migrate", interactive=False, verbosity=0)
    setup_test_environment()
    rng = random.Random(11)
    started = time.perf_counter()
    user = _seed(n, rng)
    seeded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    client = Client()
    client.force_login(user)
    result: dict[str, Any] = {"database": connection.vendor, "cases": n, "seed_s": seeded}
    with override_settings(ROOT_URLCONF="bench.bench_queue"):
        first = client.get("/desk/")
        cursor = first.content.decode().split("after=")[1].split('"')[0]
        variants = {
            "queue": "/desk/",
            "tier=3": "/desk/?tier=3",
            "category=spam": "/desk/?category=spam",
            "state=escalated": "/desk/?state=escalated",
            "assignee=me": "/desk/?assignee=me",
            "page 2 (cursor)": f"/desk/?after={cursor}",
            "filter (htmx fragment)": "/desk/?tier=2",
            "counts fragment": "/desk/counts",
        }
        timings: dict[str, dict[str, float]] = {}
        for name, url in variants.items():
            headers = {"HX-Request": "true", "HX-Target": "queue-results"}
            kwargs = {"headers": headers} if "fragment" in name else {}
            for _ in range(3):
                client.get(url, **kwargs)  # type: ignore[arg-type]
            ms = []
            for _ in range(requests):
                t0 = time.perf_counter()
                r = client.get(url, **kwargs)  # type: ignore[arg-type]
                ms.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"{url}: HTTP {r.status_code}")
            ms.sort()
            timings[name] = {
                "p50": statistics.median(ms),
                "p95": ms[max(0, int(len(ms) * 0.95) - 1)],
            }
    result["timings"] = timings
    return result


def run(cases: int = 100_000, requests: int = 50, database_url: str = "") -> dict[str, Any]:
    """Measure one database in a child process (fresh home; its own PostgreSQL database)."""
    home = tempfile.mkdtemp(prefix="sw-bench-queue-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIELDWALL_")}
    env["SHIELDWALL_HOME"] = home
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = fresh_postgres(database_url, BENCH_DB)
    args = [sys.executable, "-m", "bench.bench_queue", "--child"]
    args += ["--cases", str(cases), "--requests", str(requests)]
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
    """Print one block of results: each variant's p50/p95 and whether p95 meets the target."""
    print(
        f"desk queue, {r['database']}, {r['cases']:,} open cases "
        f"(seeded in {r['seed_s']:.0f} s), target p95 < {TARGET_MS:.0f} ms:"
    )
    for name, t in r["timings"].items():
        verdict = "ok" if t["p95"] < TARGET_MS else "MISSED"
        print(f"  {name:<24} p50 {t['p50']:7.1f} ms   p95 {t['p95']:7.1f} ms   {verdict}")


def main() -> None:
    """Measure SQLite and, with --database-url, PostgreSQL."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--requests", type=int, default=50)
    p.add_argument("--database-url", default="", help="a PostgreSQL server to measure too")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        print(json.dumps(_child(a.cases, a.requests)))
        return
    for url in ["", a.database_url] if a.database_url else [""]:
        report(run(a.cases, a.requests, url))


def __getattr__(name: str) -> Any:
    """`urlpatterns`, built when Django asks (this module is the benchmark's URLconf)."""
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


if __name__ == "__main__":
    main()
