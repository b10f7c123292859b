"""Webhook delivery: actions/s and decision→delivery latency through a real `shieldwall worker`.

Three runs per database, on a fresh home (PostgreSQL: its own database
`shieldwall_bench_webhooks`, created and dropped), with a worker running while another
process writes decisions one by one; latency = arrival at the receiver - the action's
created_at (the decision):
  paced    N decisions at --rate per second (a busy platform's moderation);
  burst    N decisions as fast as one process can write them;
  backlog  N actions wait in the outbox, then a worker starts: drain rate in actions/s.

Run: python -m bench.bench_webhooks [--actions 2000] [--rate 100] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from typing import Any

import numpy as np
from tests.integrations.receiver import Receiver

BENCH_DB = "shieldwall_bench_webhooks"


def _cli(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "shieldwall.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _admin(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIELDWALL_")}
    env["SHIELDWALL_HOME"] = tempfile.mkdtemp(prefix="sw-bench-webhooks-")
    env["SHIELDWALL_LOG_LEVEL"] = "WARNING"
    env["SHIELDWALL_ALLOW_PRIVATE_HOSTS"] = "127.0.0.1"  # the receiver runs on this machine
    env.pop("DATABASE_URL", None)
    if database_url:
        import psycopg

        with psycopg.connect(_admin(database_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        env["DATABASE_URL"] = database_url.rsplit("/", 1)[0] + "/" + BENCH_DB
    return env


def _drop(database_url: str) -> None:
    if database_url:
        import psycopg

        with psycopg.connect(_admin(database_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "shieldwall.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _issue(env: dict[str, str], n: int, prefix: str) -> set[str]:
    subjects = [f"{prefix}{i}" for i in range(n)]
    out = _cli(env, "action", "issue", "remove_post", *subjects, "--reason", "bench")
    return set(out.split())


def _first_arrivals(receiver: Receiver, ids: set[str]) -> dict[str, float]:
    first: dict[str, float] = {}
    for a in receiver.arrivals:
        if a.action_id in ids and a.signature_ok and a.action_id not in first:
            first[a.action_id] = a.at
    return first


def _issue_paced(env: dict[str, str], n: int, prefix: str, rate: float) -> set[str]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_webhooks",
            "--issue",
            str(n),
            "--prefix",
            prefix,
            "--rate",
            str(rate),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def _child_issue(n: int, prefix: str, rate: float) -> None:
    """In the benchmark's database: write n decisions at `rate` per second (0: at once)."""
    from shieldwall.cli import _setup

    _setup()
    from shieldwall.core.actors import cli_actor
    from shieldwall.integrations.services import issue_action

    actor, start = cli_actor(), time.monotonic()
    for i in range(n):
        if rate:
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
        action = issue_action(
            kind="remove_post", subject_id=f"{prefix}{i}", reason="b", actor=actor
        )
        print(action.public_id)


def _latencies(receiver: Receiver, ids: set[str]) -> dict[str, float]:
    first = _first_arrivals(receiver, ids)
    ms = np.array(
        [
            (first[i] - datetime.fromisoformat(receiver.applied[i]["created_at"]).timestamp())
            * 1000
            for i in ids
        ]
    )
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
    }


def run(actions: int = 2000, database_url: str = "", rate: float = 100.0) -> dict[str, Any]:
    """The three runs on one database; returns throughput and latency figures."""
    env = _env(database_url)
    receiver = Receiver(keep_alive=True).start()
    result: dict[str, Any] = {
        "database": "postgresql" if database_url else "sqlite",
        "actions": actions,
        "rate": rate,
    }
    try:
        _cli(env, "migrate")
        receiver.secrets.append(_cli(env, "webhook", "add", receiver.url).strip().splitlines()[-1])
        worker = _worker(env)
        time.sleep(3)  # let it start (Django setup) before the first decision
        for name, pace in (("paced", rate), ("burst", 0.0)):
            t0 = time.time()
            ids = _issue_paced(env, actions, name, pace)
            result[f"{name}_issue_rate"] = actions / (time.time() - t0)
            if not receiver.wait_for(ids, timeout=600):
                raise RuntimeError(f"{name} run: not every action arrived")
            result[name] = _latencies(receiver, ids)
        _stop(worker)

        backlog_ids = _issue(env, actions, "backlog")
        start = time.time()
        worker = _worker(env)
        if not receiver.wait_for(backlog_ids, timeout=600):
            raise RuntimeError("backlog run: not every action arrived")
        _stop(worker)
        arrivals = sorted(_first_arrivals(receiver, backlog_ids).values())
        drain_s = arrivals[-1] - arrivals[0]
        result["backlog_rate"] = actions / drain_s if drain_s > 0 else float("inf")
        result["backlog_first_s"] = arrivals[0] - start
        result["duplicates"] = len(receiver.arrivals) - 3 * actions
    finally:
        receiver.stop()
        _drop(database_url)
    return result


def report(r: dict[str, Any]) -> None:
    """Print the figures of one database."""
    print(f"webhooks, {r['database']}, {r['actions']} actions per run:")
    for name in ("paced", "burst"):
        lat = r[name]
        print(
            f"  {name:7} decisions at {r[name + '_issue_rate']:.0f}/s: decision→delivery "
            f"p50 {lat['p50_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms, max {lat['max_ms']:.0f} ms"
        )
    print(
        f"  backlog drained at {r['backlog_rate']:.0f} actions/s (first arrival "
        f"{r['backlog_first_s']:.1f} s after the worker started); "
        f"{r['duplicates']} duplicate sends in all"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--actions", type=int, default=2000)
    p.add_argument("--rate", type=float, default=100.0, help="decisions/s of the paced run")
    p.add_argument("--database-url", default="", help="PostgreSQL server to use as well")
    p.add_argument("--issue", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--prefix", default="p", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.issue:
        _child_issue(a.issue, a.prefix, a.rate)
        return
    report(run(a.actions, rate=a.rate))
    if a.database_url:
        report(run(a.actions, a.database_url, rate=a.rate))


if __name__ == "__main__":
    main()
