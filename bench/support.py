"""What every benchmark needs: a fresh home and database, the CLI, a running server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def fresh_postgres(url: str, name: str | None = None) -> str:
    """Drop and create a benchmark database next to `url` (its own name by default)."""
    import psycopg

    base, own = url.rsplit("/", 1)
    name = name or own
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def drop_postgres(url: str) -> None:
    """Drop the benchmark database at `url`."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BENCH_AUDIT_KEY = "shieldwall-benchmarks-only-audit-key-not-a-secret"


def bench_env(prefix: str, database_url: str = "") -> dict[str, str]:
    """The environment of a fresh Shieldwall: a new home, and the given database if any."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIELDWALL_")}
    env["SHIELDWALL_HOME"] = tempfile.mkdtemp(prefix=prefix)
    # One audit key for every benchmark home, so a database kept between runs (bench_scan's
    # large banks) is appended to with the key its audit head was sealed with.
    env["SHIELDWALL_AUDIT_KEY"] = BENCH_AUDIT_KEY
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    """Run `shieldwall ARGS` in that environment; return what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "shieldwall.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@contextmanager
def running_server(env: dict[str, str], *, workers: int = 2, threads: int = 4) -> Iterator[str]:
    """`shieldwall serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shieldwall.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
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
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
