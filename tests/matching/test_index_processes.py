"""Two real serving processes on one database see an addition and a withdrawal within two
seconds, without rebuilding: they map the worker's snapshot and replay the change log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.db import connection

from shieldwall.banks import services as banks
from shieldwall.banks.models import BankEntry
from shieldwall.core.actors import Actor
from shieldwall.matching import snapshots

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
VISIBLE_WITHIN = 2.0  # seconds, with the default one-second refresh


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{db['USER']}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


class Peer:
    """One serving process, spoken to over its stdin and stdout."""

    def __init__(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "SHIELDWALL_INDEX_DIR": str(settings.SHIELDWALL.index_dir),
            "SHIELDWALL_INDEX_REFRESH_SECONDS": "1",
            "SHIELDWALL_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.matching.index_peer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert json.loads(self._line()) == {"ready": True}

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the peer process ended with {self.proc.wait()}")
        return line

    def match(self, pdq: str) -> dict[str, object]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"match {pdq}\n")
        self.proc.stdin.flush()
        answer: dict[str, object] = json.loads(self._line())
        return answer

    def wait_for(self, pdq: str, entries: list[int]) -> float:
        """Seconds until this process's answer for pdq is exactly `entries`."""
        started = time.monotonic()
        while time.monotonic() - started < 10:
            if self.match(pdq)["entries"] == entries:
                return time.monotonic() - started
            time.sleep(0.05)
        raise AssertionError(f"{pdq[:8]}... never matched {entries}")

    def close(self) -> None:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


@pytest.fixture
def peers() -> Iterator[list[Peer]]:
    started = [Peer(), Peer()]
    yield started
    for p in started:
        p.close()


def _hashes(n: int) -> list[str]:
    rng = np.random.default_rng(3)
    return [bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex() for _ in range(n)]


def test_two_processes_see_an_addition_and_a_withdrawal_without_rebuilding(
    actor: Actor, peers: list[Peer]
) -> None:
    first, later = _hashes(2)
    banks.create_bank(name="b", actor=actor, action="block")
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", first)], actor=actor)
    assert snapshots.compact_due_snapshots() == 1  # the worker's round
    first_id = BankEntry.objects.get(value=first).pk
    for p in peers:
        assert p.match(first)["entries"] == [first_id]
        assert p.match(later)["entries"] == []

    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", later)], actor=actor)
    later_id = BankEntry.objects.get(value=later).pk
    assert max(p.wait_for(later, [later_id]) for p in peers) < VISIBLE_WITHIN

    banks.remove_entries(bank_name="b", entry_ids=[first_id], actor=actor)
    assert max(p.wait_for(first, []) for p in peers) < VISIBLE_WITHIN

    banks.set_entry_enabled(bank_name="b", entry_id=later_id, enabled=False, actor=actor)
    assert max(p.wait_for(later, []) for p in peers) < VISIBLE_WITHIN
    for p in peers:
        state = p.match(later)
        assert (state["builds"], state["loads"]) == (0, 1)
        assert int(str(state["catch_ups"])) >= 3
