"""The real `shieldwall worker`, killed with SIGKILL mid-delivery: every action still arrives.

The receiver fails for a while too. Every action must arrive at least once and be applied
exactly once (the receiver de-duplicates by action id, as the contract tells platforms to).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import Shieldwall
from tests.integrations.receiver import Receiver

pytestmark = pytest.mark.slow

N = 60


def _start_worker(sw: Shieldwall, log: Path) -> subprocess.Popen[bytes]:
    env = {**sw.env, "SHIELDWALL_WEBHOOK_LEASE_SECONDS": "3"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "shieldwall.cli", "worker", "--interval", "0.2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)


def test_killed_worker_loses_nothing(
    sw: Shieldwall,
    receiver: Receiver,
    tmp_path: Path,
    workers: list[subprocess.Popen[bytes]],
) -> None:
    added = sw("webhook", "add", receiver.url)
    assert added.code == 0, added.err
    receiver.secrets.append(added.out.strip().splitlines()[-1])
    receiver.delay = 0.3  # apply, then answer late: a kill now loses the answer, not the action
    subjects = [f"p{i}" for i in range(N)]
    issued = sw("action", "issue", "remove_post", *subjects, "--reason", "csam_hash_match")
    assert issued.code == 0, issued.err
    ids = set(issued.out.split())
    assert len(ids) == N

    log = tmp_path / "worker.log"
    workers.append(_start_worker(sw, log))
    deadline = time.monotonic() + 60
    while len(receiver.applied) < 10:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.01)
    workers[0].kill()  # SIGKILL: requests in flight, answers never recorded
    workers[0].wait(timeout=10)
    killed_at = len(receiver.applied)
    assert killed_at < N, "the worker finished before it could be killed"

    receiver.fail_until = time.time() + 2.5  # and the platform is down for a while
    workers.append(_start_worker(sw, log))
    assert receiver.wait_for(ids, timeout=90), (
        f"{len(ids - receiver.applied.keys())} actions never arrived\n" + log.read_text()
    )
    assert set(receiver.applied) == ids
    assert not [a for a in receiver.arrivals if not a.signature_ok]
    assert any(a.at < receiver.fail_until for a in receiver.arrivals), "no failure was seen"
    # At least once on the wire; applied exactly once by id.
    assert receiver.accepted.keys() == ids
    assert len(receiver.applied) == N
    assert any(n > 1 for n in receiver.accepted.values()), "no answer was lost by the kill"

    deadline = time.monotonic() + 30
    while True:  # the new worker records every outcome: nothing pending, nothing dead
        [row] = sw("webhook", "list", "--json").json_lines()
        if row["pending"] == 0:
            break
        assert time.monotonic() < deadline, row
        time.sleep(0.5)
    assert row["dead"] == 0
