"""Run the real `shieldwall` command in a subprocess against its own fresh database.

The fixtures `cli_env` and `sw` are registered in tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


class Shieldwall:
    """The command line, pointed at a fresh SHIELDWALL_HOME and database."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str, timeout: float = 180) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "shieldwall.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


@contextmanager
def scratch_database(prefix: str) -> Iterator[str | None]:
    """A fresh PostgreSQL database beside DATABASE_URL's, dropped after; None on SQLite."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield None
        return
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a separate Shieldwall: its own home and (on PostgreSQL) database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIELDWALL_")}
    env["SHIELDWALL_HOME"] = str(tmp_path / "home")
    env["SHIELDWALL_ALLOW_PRIVATE_HOSTS"] = "127.0.0.1"  # test receivers listen there
    env.pop("DATABASE_URL", None)
    with scratch_database("shieldwall_cli") as url:
        if url:
            env["DATABASE_URL"] = url
        yield env


@pytest.fixture
def sw(cli_env: dict[str, str]) -> Shieldwall:
    return Shieldwall(cli_env)
