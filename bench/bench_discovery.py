"""New-tag discovery: a simulated community among ordinary traffic, through the real path.

Run: python -m bench.bench_discovery [--size realistic|small] [--database-url URL]

The world (made-up placeholder words only, seeded): many ordinary accounts posting
Zipf-distributed ordinary tags over a week; a community of new accounts rotating new
placeholder tags (a few active at a time), some of its older tags already blocked by term
rules, with popular ordinary tags as cover and solicitation text in some posts; some of its
posts removed at Shieldwall's request (remove_post actions); and a harmless viral decoy tag
used suddenly, in the last hours, by many ordinary accounts (and a few community ones).

Everything goes through the real path: platform events into `subjects.services.ingest_events`,
the graph job's rounds (`discovery.services.update_graph`), the scoring and the accounts.
Figures: precision at 20 of the suggested tags not yet blocked (goal >= 0.9), the decoy's
rank among candidates (it must not be suggested), the precision of the accounts given review
cases and of the top leads, and the graph's ingest rate in hashtag uses per second (goal
>= 5,000/s) against the named baseline "naive per-use ORM upserts" (get_or_create then an F()
increment per edge, tag total and hour bucket, per use) measured in the same run on the same
uses. Each database runs in its own child process on a fresh home (PostgreSQL: its own
database, dropped afterwards).
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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.support import drop_postgres, fresh_postgres

BENCH_DB = "shieldwall_bench_discovery"
END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BASELINE_USES = 3000  # uses the naive baseline is timed on (it is slow; a rate is a rate)
SOLICITATION_PATTERN = "quietlantern menu"  # a made-up pattern for the simulation only

SIZES: dict[str, dict[str, int]] = {
    "small": {
        "ordinary_accounts": 300,
        "ordinary_tags": 400,
        "ordinary_posts": 3000,
        "community_accounts": 20,
        "community_posts": 700,
        "new_tags": 22,
        "blocked_tags": 3,
        "decoy_posts": 400,
    },
    "realistic": {
        "ordinary_accounts": 5000,
        "ordinary_tags": 4000,
        "ordinary_posts": 60000,
        "community_accounts": 60,
        "community_posts": 4000,
        "new_tags": 30,
        "blocked_tags": 4,
        "decoy_posts": 3000,
    },
}

_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def _words(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    """`n` new made-up words of three or four syllables, none already taken."""
    found: list[str] = []
    while len(found) < n:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((3, 4))))
        if word not in taken:
            taken.add(word)
            found.append(word)
    return found


@dataclass
class World:
    """The simulated platform: its events, and the truth the figures are measured against."""

    events: list[dict[str, Any]]
    community: set[str]
    new_tags: list[str]
    blocked_tags: list[str]
    decoy: str
    removed_posts: list[str]
    end: datetime
    sizes: dict[str, int] = field(default_factory=dict)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def make_world(size: str = "small", seed: int = 9) -> World:
    """The events of one simulated week, ending at END."""
    s = SIZES[size]
    rng = random.Random(seed)
    taken: set[str] = set()
    ordinary_tags = _words(rng, s["ordinary_tags"], taken)
    blocked = _words(rng, s["blocked_tags"], taken)
    new_tags = _words(rng, s["new_tags"], taken)
    decoy = _words(rng, 1, taken)[0]
    zipf = [1.0 / (rank + 1) ** 1.1 for rank in range(len(ordinary_tags))]
    events: list[dict[str, Any]] = []
    ids = iter(range(10**9))

    def account(account_id: str, created: datetime) -> None:
        events.append(
            {
                "id": f"e{next(ids)}",
                "type": "account.created",
                "occurred_at": _iso(created),
                "data": {
                    "account_id": account_id,
                    "handle": account_id,
                    "created_at": _iso(created),
                },
            }
        )

    def post(account_id: str, tags: list[str], at: datetime, text: str = "") -> str:
        post_id = f"p{len(events)}"
        events.append(
            {
                "id": f"e{next(ids)}",
                "type": "post.created",
                "occurred_at": _iso(at),
                "data": {
                    "post_id": post_id,
                    "account_id": account_id,
                    "hashtags": list(dict.fromkeys(tags)),
                    "text": text or "placeholder words about the day",
                    "created_at": _iso(at),
                },
            }
        )
        return post_id

    ordinary = [f"o{k}" for k in range(s["ordinary_accounts"])]
    community = [f"c{k}" for k in range(s["community_accounts"])]
    for a in ordinary:
        # Most ordinary accounts are old; a tenth are new, so age alone finds nobody.
        days = rng.uniform(1, 20) if rng.random() < 0.1 else rng.uniform(60, 1500)
        account(a, END - timedelta(days=days))
    for a in community:
        account(a, END - timedelta(days=rng.uniform(2, 12)))
    week = timedelta(days=7).total_seconds()
    posts: list[tuple[datetime, str, list[str], str]] = []
    for _ in range(s["ordinary_posts"]):
        tags = rng.choices(ordinary_tags, weights=zipf, k=rng.choice((1, 1, 2, 3)))
        if rng.random() < 0.003:
            tags.append(rng.choice(blocked))  # an ordinary account stumbles on a blocked tag
        if rng.random() < 0.001:
            tags.append(rng.choice(new_tags))  # or on a community one
        posts.append(
            (END - timedelta(seconds=rng.uniform(0, week)), rng.choice(ordinary), tags, "")
        )
    # The decoy: many ordinary accounts, suddenly, in the last three hours.
    for _ in range(s["decoy_posts"]):
        tags = [decoy, *rng.choices(ordinary_tags, weights=zipf, k=rng.choice((0, 1, 2)))]
        at = END - timedelta(seconds=rng.uniform(0, 3 * 3600))
        posts.append((at, rng.choice(ordinary), tags, ""))
    # The community rotates its new tags over five days, a few active at a time.
    span = timedelta(days=5).total_seconds()
    community_posts: list[tuple[datetime, str, list[str], str]] = []
    for _ in range(s["community_posts"]):
        offset = rng.uniform(0, span)
        at = END - timedelta(seconds=span - offset)
        current = min(len(new_tags) - 1, int(offset / span * len(new_tags)))
        active = new_tags[max(0, current - 2) : current + 1]
        tags = rng.sample(active, k=min(len(active), rng.choice((1, 2))))
        if rng.random() < 0.35:
            tags.append(rng.choice(blocked))
        if rng.random() < 0.5:
            tags.append(rng.choice(ordinary_tags[:20]))  # a popular ordinary tag as cover
        if at > END - timedelta(hours=3) and rng.random() < 0.3:
            tags.append(decoy)
        text = ""
        if rng.random() < 0.2:
            # The pattern, spelt as sellers do (spaces, case, a separator).
            text = rng.choice(
                ("Quiet Lantern menu, ask", "quiet-lantern MENU here", "quietlanternmenu")
            )
        community_posts.append((at, rng.choice(community), tags, text))
    posts.extend(community_posts)
    posts.sort(key=lambda p: p[0])
    removed: list[str] = []
    for at, a, tags, text in posts:
        post_id = post(a, tags, at, text)
        if a.startswith("c") and set(tags) & set(blocked) and rng.random() < 0.15:
            removed.append(post_id)
    return World(events, set(community), new_tags, blocked, decoy, removed, END, dict(s))


def _naive_baseline(uses: list[tuple[int, str, str, str, datetime]]) -> float:
    """The named baseline: per-use ORM upserts into the same tables; uses per second. The
    tables are emptied afterwards (the real rounds then start from nothing)."""
    from django.db import transaction
    from django.db.models import F

    from shieldwall.discovery.graph import bucket_of
    from shieldwall.discovery.models import AccountTag, TagBucket, TagStat

    started = time.perf_counter()
    for start in range(0, len(uses), 500):
        with transaction.atomic():
            for _, _, account_id, tag, at in uses[start : start + 500]:
                stat, _ = TagStat.objects.get_or_create(
                    tag=tag, defaults={"uses": 0, "first_at": at, "last_at": at}
                )
                TagStat.objects.filter(pk=stat.pk).update(uses=F("uses") + 1)
                edge, _ = AccountTag.objects.get_or_create(
                    account_id=account_id, tag=tag, defaults={"first_at": at, "last_at": at}
                )
                AccountTag.objects.filter(pk=edge.pk).update(uses=F("uses") + 1)
                bucket, _ = TagBucket.objects.get_or_create(tag=tag, bucket=bucket_of(at))
                TagBucket.objects.filter(pk=bucket.pk).update(uses=F("uses") + 1)
    rate = len(uses) / (time.perf_counter() - started)
    TagStat.objects.all().delete()
    AccountTag.objects.all().delete()
    TagBucket.objects.all().delete()
    return rate


def simulate(world: World, *, baseline: bool = True, max_cases: int = 10) -> dict[str, Any]:
    """Feed the world through the real path and measure (Django set up, database migrated)."""
    import dataclasses

    from django.conf import settings

    before = settings.SHIELDWALL
    settings.SHIELDWALL = dataclasses.replace(before, solicitation_patterns=(SOLICITATION_PATTERN,))
    try:
        return _simulate(world, baseline=baseline, max_cases=max_cases)
    finally:
        settings.SHIELDWALL = before


def _simulate(world: World, *, baseline: bool, max_cases: int) -> dict[str, Any]:
    from shieldwall.core.actors import cli_actor
    from shieldwall.discovery import scoring, services
    from shieldwall.discovery.models import AccountLead, TagSuggestion
    from shieldwall.integrations import services as integrations
    from shieldwall.subjects import reads
    from shieldwall.subjects import services as subjects
    from shieldwall.terms import services as terms

    actor = cli_actor()
    scoring.forget_graph()
    started = time.perf_counter()
    for start in range(0, len(world.events), 500):
        subjects.ingest_events(events=world.events[start : start + 500], actor=actor)
    ingest_seconds = time.perf_counter() - started
    for tag in world.blocked_tags:
        terms.add_rule(term=tag, actor=actor, reason="simulation: known tag")
    for post_id in world.removed_posts:
        integrations.issue_action(
            kind="remove_post", subject_id=post_id, reason="csam", actor=actor
        )
    result: dict[str, Any] = {"sizes": world.sizes, "posts": len(world.events)}
    if baseline:
        sample = reads.hashtag_uses_after(0, limit=BASELINE_USES)
        result["baseline_uses_per_s"] = _naive_baseline(sample)
    started = time.perf_counter()
    uses = 0
    while n := services.update_graph():
        uses += n
    graph_seconds = time.perf_counter() - started
    result.update(
        uses=uses,
        graph_uses_per_s=uses / graph_seconds if graph_seconds else 0.0,
        ingest_events_per_s=len(world.events) / ingest_seconds,
    )
    started = time.perf_counter()
    services.score_tags(now=world.end)
    result["score_seconds"] = time.perf_counter() - started
    top = list(TagSuggestion.objects.filter(state="open").order_by("-score", "pk")[:20])
    new_tags = set(world.new_tags)
    result["precision_at_20"] = sum(s.tag in new_tags for s in top) / 20
    result["top_20"] = [[s.tag, s.score, s.tag in new_tags] for s in top]
    ranked = [c.tag for c in scoring.candidates(now=world.end)]
    result["decoy_rank"] = ranked.index(world.decoy) + 1 if world.decoy in ranked else None
    result["decoy_suggested"] = TagSuggestion.objects.filter(tag=world.decoy).exists()
    result["candidates"] = len(ranked)
    started = time.perf_counter()
    opened = services.find_accounts(now=world.end, max_cases=max_cases)
    result["leads_seconds"] = time.perf_counter() - started
    cased = list(AccountLead.objects.exclude(case_id="").values_list("account_id", flat=True))
    result["cases_opened"] = opened
    result["cases_precision"] = (
        sum(a in world.community for a in cased) / len(cased) if cased else 0.0
    )
    k = len(world.community)
    leads = list(AccountLead.objects.order_by("-score", "pk").values_list("account_id", flat=True))
    result["leads_precision_at_k"] = sum(a in world.community for a in leads[:k]) / k
    result["k"] = k
    result["second_run_cases"] = services.find_accounts(now=world.end, max_cases=max_cases)
    return result


def _child(size: str) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shieldwall.settings")
    os.environ.setdefault("SHIELDWALL_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    result = simulate(make_world(size))
    result["database"] = connection.vendor
    return result


def run(size: str = "realistic", database_url: str = "") -> dict[str, Any]:
    """Measure one database in a child process (fresh home; its own PostgreSQL database)."""
    home = tempfile.mkdtemp(prefix="sw-bench-discovery-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIELDWALL_")}
    env["SHIELDWALL_HOME"] = home
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = fresh_postgres(database_url, BENCH_DB)
    args = [sys.executable, "-m", "bench.bench_discovery", "--child", "--size", size]
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
    """Print the figures of one run."""
    s = r["sizes"]
    print(
        f"discovery, {r['database']}: {s['ordinary_accounts']} ordinary accounts, "
        f"{s['community_accounts']} in the community, {r['posts']} events, {r['uses']} tag uses"
    )
    print(
        f"  graph ingest: {r['graph_uses_per_s']:,.0f} uses/s (goal 5,000) vs baseline "
        f"'naive per-use ORM upserts' {r['baseline_uses_per_s']:,.0f} uses/s: "
        f"{r['graph_uses_per_s'] / r['baseline_uses_per_s']:.1f}x "
        f"(subjects ingest before it: {r['ingest_events_per_s']:,.0f} events/s)"
    )
    print(
        f"  suggestions: precision at 20 {r['precision_at_20']:.2f} (goal 0.9) among "
        f"{r['candidates']} candidates, scored in {r['score_seconds']:.2f} s"
    )
    suggested = "SUGGESTED (bad)" if r["decoy_suggested"] else "not suggested"
    print(f"  viral decoy: rank {r['decoy_rank']} among candidates, {suggested}")
    print(
        f"  accounts: {r['cases_opened']} review cases opened, precision "
        f"{r['cases_precision']:.2f}; top-{r['k']} leads precision "
        f"{r['leads_precision_at_k']:.2f}; a second round opened {r['second_run_cases']} "
        f"({r['leads_seconds']:.2f} s a round)"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--size", choices=sorted(SIZES), default="realistic")
    p.add_argument("--database-url", default="", help="a PostgreSQL server to measure too")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        print(json.dumps(_child(a.size), default=str))
        return
    for url in ["", a.database_url] if a.database_url else [""]:
        report(run(a.size, url))


if __name__ == "__main__":
    main()
