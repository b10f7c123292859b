"""Bank index snapshots and the change log against today's per-process rebuild, in one run.

Run: python -m bench.bench_index [--sizes 1000000,10000000] [--additions 100]
                                 [--queries 1000] [--database-url postgres://.../name]

For each size, a fresh database (SQLite under a fresh home, or the PostgreSQL database
given) gets one bank of that many PDQ entries ("clustered" data, see bench_match), and then:

- today: the bank read from the database and indexed in memory, as every serving process
  did on every change of the bank (`snapshots.read_bank`, the old `build_bank_index` path);
- the worker's snapshot built from the database, and folded again after changes;
- two serving processes (real ones, `--peer`) each map the snapshot: load seconds, and the
  resident memory the mapping adds per entry (beside the file's bytes per entry, shared by
  every process on the machine through the page cache);
- one entry added at a time (100 times): seconds until the OTHER process matches it;
- scans in the other process while the worker folds a new snapshot, against scans idle;
- match latency and recall through the mapped snapshot against today's in-memory index.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.bench_match import make_data
from bench.support import BENCH_AUDIT_KEY, drop_postgres, fresh_postgres

ROOT = Path(__file__).resolve().parent.parent
RADIUS = 31
BANK = "bench-index"


def _rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def _setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "shieldwall.settings"
    import django

    django.setup()


# --- the serving process ------------------------------------------------------------------


def _peer() -> None:
    """A serving process: answers one JSON line per command line on stdin."""
    _setup_django()
    from shieldwall.matching.registry import registry
    from shieldwall.matching.services import QueryHashes, match_hashes

    rng = np.random.default_rng(os.getpid())
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "load":
            gc.collect()
            rss0, t0 = _rss(), time.perf_counter()
            registry.refresh()
            out: dict[str, Any] = {"seconds": time.perf_counter() - t0, "rss": _rss() - rss0}
            out |= {"builds": registry.builds, "loads": registry.loads}
        elif cmd == "await":
            while not _matches(match_hashes, QueryHashes, arg):
                time.sleep(0.005)
            out = {"seen": time.time(), "builds": registry.builds}
        elif cmd == "scan":
            until = time.monotonic() + float(arg)
            times = []
            while time.monotonic() < until:
                variants = tuple(
                    bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex() for _ in range(8)
                )
                t0 = time.perf_counter()
                match_hashes(QueryHashes(pdq=variants[0], pdq_variants=variants))
                times.append(time.perf_counter() - t0)
            out = {"times": times, "loads": registry.loads, "builds": registry.builds}
        else:
            return
        print(json.dumps(out), flush=True)


def _matches(match_hashes: Any, query_type: Any, pdq: str) -> bool:
    return bool(match_hashes(query_type(pdq=pdq, pdq_variants=(pdq,))))


class Peer:
    """A `--peer` subprocess."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_index", "--peer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.ask("")

    def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        if command:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"peer ended with {self.proc.wait()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


# --- the run ------------------------------------------------------------------------------


def _fill(bank_id: int, hashes: np.ndarray) -> None:
    """Bulk-load the bank's PDQ entries (no change-log rows: they predate it), with the
    table's secondary indexes dropped during the load and made again after."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    sqlite = connection.vendor == "sqlite"
    listing = (
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = "
        "'banks_bankentry' AND sql IS NOT NULL"
        if sqlite
        else "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'banks_bankentry'"
        " AND indexname NOT LIKE '%pkey'"
    )
    cur = raw.cursor()
    cur.execute(listing)
    indexes = cur.fetchall()
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    cols = "bank_id, signal_type, value, quality, note, source, external_id, enabled, created_at"
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    for start in range(0, len(hashes), 500_000):
        chunk = hashes[start : start + 500_000]
        rows = [
            (bank_id, "pdq", h.hex(), 100, "", "import", "", True, now) for h in map(bytes, chunk)
        ]
        if sqlite:  # Django keeps SQLite in autocommit: one transaction per chunk, not per row
            cur.execute("BEGIN")
            cur.executemany(
                f"INSERT INTO banks_bankentry ({cols}) VALUES ({', '.join('?' * 9)})", rows
            )
        else:
            with cur.copy(f"COPY banks_bankentry ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    for _, definition in indexes:
        cur.execute(definition)
    cur.execute(f"UPDATE banks_bank SET version = version + 1 WHERE id = {int(bank_id)}")
    raw.commit()


def _progress(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def _latency(
    indices: dict[str, Any], queries: np.ndarray, planted: np.ndarray, ids: np.ndarray
) -> dict[str, dict[str, float]]:
    """p50/p99 and recall of each index, query by query in turn (so load from other work on
    the host falls on each alike)."""
    times: dict[str, list[float]] = {name: [] for name in indices}
    found = dict.fromkeys(indices, 0)
    for i in range(len(queries)):
        for name, index in indices.items():
            t0 = time.perf_counter()
            hits = index.search(queries[i], RADIUS)
            times[name].append((time.perf_counter() - t0) * 1e3)
            found[name] += planted[i] >= 0 and any(m.id == ids[planted[i]] for m in hits)
    wanted = max(1, int((planted >= 0).sum()))
    return {
        name: {
            "p50_ms": _pct(ms, 50),
            "p99_ms": _pct(ms, 99),
            "recall": found[name] / wanted,
        }
        for name, ms in times.items()
    }


def run_size(n: int, *, additions: int, nq: int, env: dict[str, str]) -> dict[str, Any]:
    """Every figure for one bank size; the database and home are set up by the caller."""
    from shieldwall.banks import services as banks
    from shieldwall.banks.models import BankEntry
    from shieldwall.core.actors import cli_actor
    from shieldwall.matching import snapshots

    actor = cli_actor()
    bank = banks.create_bank(name=BANK, actor=actor, action="block")
    hashes, queries, planted = make_data(n, nq, "clustered")
    t0 = time.perf_counter()
    _fill(bank.pk, hashes)
    out: dict[str, Any] = {"size": n, "fill_s": time.perf_counter() - t0}
    _progress(f"filled {n} entries in {out['fill_s']:.1f} s")
    ids = np.array(
        BankEntry.objects.filter(bank=bank).order_by("id").values_list("id", flat=True),
        dtype=np.int64,
    )  # row i of `hashes` is entry ids[i]

    gc.collect()
    rss0, t0 = _rss(), time.perf_counter()
    today = snapshots.read_bank(bank.pk).index
    out["today_rebuild_s"] = time.perf_counter() - t0
    out["today_bytes_per_entry"] = (_rss() - rss0) / n
    _progress(f"today's rebuild {out['today_rebuild_s']:.1f} s")

    t0 = time.perf_counter()
    row = snapshots.build_snapshot(bank.pk)
    out["snapshot_build_s"] = time.perf_counter() - t0
    out["snapshot_bytes_per_entry"] = row.size_bytes / n
    mapped = snapshots.load_snapshot(row).index
    both = _latency({"today": today.base, "snapshot": mapped}, queries, planted, ids)
    out["today_match"], out["snapshot_match"] = both["today"], both["snapshot"]
    del mapped, today
    gc.collect()
    _progress(f"snapshot built in {out['snapshot_build_s']:.1f} s")

    peers = [Peer(env), Peer(env)]
    try:
        loads = [p.ask("load") for p in peers]
        out["load_s"] = [x["seconds"] for x in loads]
        out["load_rss_bytes_per_entry"] = [x["rss"] / n for x in loads]
        out["load_builds"] = [x["builds"] for x in loads]

        rng = np.random.default_rng(99)
        waits = []
        for _ in range(additions):
            pdq = bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex()
            peers[1].send(f"await {pdq}")
            time.sleep(0.01)
            banks.add_hashes(bank_name=BANK, rows=[banks.HashRow("pdq", pdq)], actor=actor)
            committed = time.time()
            seen = peers[1].ask("")
            waits.append(seen["seen"] - committed)
        out["visible_p50_s"], out["visible_p99_s"] = _pct(waits, 50), _pct(waits, 99)
        _progress(f"{additions} additions seen by another process")
        out["visible_builds"] = peers[1].ask("load")["builds"]

        idle = peers[0].ask("scan 5")["times"]
        during: list[float] = []
        built: dict[str, float] = {}

        def fold() -> None:
            t = time.perf_counter()
            snapshots.build_snapshot(bank.pk)
            built["s"] = time.perf_counter() - t

        worker = threading.Thread(target=fold)
        worker.start()
        while worker.is_alive():
            during += peers[0].ask("scan 1")["times"]
        after = peers[0].ask("scan 3")  # the swap to the new snapshot falls in here
        during += after["times"]
        out["fold_s"] = built["s"]
        out["scan_idle_p99_ms"] = _pct([t * 1e3 for t in idle], 99)
        out["scan_during_build_p99_ms"] = _pct([t * 1e3 for t in during], 99)
        out["scan_after_swap_loads"] = after["loads"]
        out["scan_after_swap_builds"] = after["builds"]
    finally:
        for p in peers:
            p.close()
    return out


def report(r: dict[str, Any]) -> None:
    """Print one size's figures, each beside today's."""
    n = r["size"]
    t, s = r["today_match"], r["snapshot_match"]
    lines = [
        f"size {n:,}",
        f"  rebuild/build per change   today {r['today_rebuild_s']:8.2f} s per process per change"
        f" | snapshot build {r['snapshot_build_s']:.2f} s once (worker), fold {r['fold_s']:.2f} s",
        f"  load per serving process   today {r['today_rebuild_s']:8.2f} s"
        f" | snapshot {', '.join(f'{x:.2f}' for x in r['load_s'])} s (goal < 2 s)",
        f"  memory per entry           today {r['today_bytes_per_entry']:8.1f} B private"
        f" | {', '.join(f'{x:.1f}' for x in r['load_rss_bytes_per_entry'])} B private after load"
        f" + {r['snapshot_bytes_per_entry']:.1f} B file, shared",
        f"  added entry visible        today ~{1 + r['today_rebuild_s']:7.2f} s (refresh + rebuild)"
        f" | p50 {r['visible_p50_s']:.2f} s, p99 {r['visible_p99_s']:.2f} s (goal p99 < 2 s),"
        f" rebuilds {r['visible_builds']}",
        f"  scan p99 (other process)   idle {r['scan_idle_p99_ms']:8.2f} ms"
        f" | while the worker folds a snapshot {r['scan_during_build_p99_ms']:.2f} ms"
        f" (builds after swap {r['scan_after_swap_builds']})",
        f"  match, 8 variants          today p50 {t['p50_ms']:.2f} p99 {t['p99_ms']:.2f} ms"
        f" recall {t['recall']:.3f} | snapshot p50 {s['p50_ms']:.2f} p99 {s['p99_ms']:.2f} ms"
        f" recall {s['recall']:.3f}",
    ]
    print("\n".join(lines), flush=True)


def _child_env(home: str, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIELDWALL_")}
    env |= {
        "SHIELDWALL_HOME": home,
        "SHIELDWALL_AUDIT_KEY": BENCH_AUDIT_KEY,
        "SHIELDWALL_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "shieldwall.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _one_size(n: int, additions: int, nq: int, database_url: str) -> dict[str, Any]:
    """Run one size in this process against a fresh home (and database)."""
    home = tempfile.mkdtemp(prefix=f"sw-bench-index-{n}-")
    url = fresh_postgres(f"{database_url}_index_{n}") if database_url else ""
    env = _child_env(home, url)
    os.environ.update(env)
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    try:
        return run_size(n, additions=additions, nq=nq, env=env)
    finally:
        if url:
            from django.db import connections

            connections.close_all()
            drop_postgres(url)


def run(
    sizes: list[int], *, additions: int = 100, queries: int = 1000, database_url: str = ""
) -> dict[str, Any]:
    """Each size in its own process (fresh Django, fresh memory); print and return figures."""
    results = {}
    for n in sizes:
        cmd = [sys.executable, "-m", "bench.bench_index", "--one", str(n)]
        cmd += ["--additions", str(additions), "--queries", str(queries)]
        if database_url:
            cmd += ["--database-url", database_url]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, check=False)
        if proc.returncode:
            raise RuntimeError(f"bench_index at {n} failed with {proc.returncode}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        report(r)
        results[str(n)] = r
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="1000000,10000000")
    p.add_argument("--additions", type=int, default=100)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--database-url", default="")
    p.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.peer:
        _peer()
    elif a.one:
        r = _one_size(a.one, a.additions, a.queries, a.database_url)
        print(json.dumps(r, default=float))
    else:
        sizes = [int(s) for s in a.sizes.split(",")]
        run(sizes, additions=a.additions, queries=a.queries, database_url=a.database_url)


if __name__ == "__main__":
    main()
