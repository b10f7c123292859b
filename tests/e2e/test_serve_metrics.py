"""/metrics through a real `shieldwall serve`: every gunicorn worker's scans are added up."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.cli_support import Shieldwall
from tests.metrics_support import parse, sample
from tests.photos import jpeg, photo

pytestmark = pytest.mark.slow


@dataclass
class Served:
    base: str
    key: str
    folder: Path  # the serve's multiprocess metrics folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("server did not start: " + log.read_text())


@pytest.fixture
def served(sw: Shieldwall, tmp_path: Path) -> Iterator[Served]:
    """`shieldwall serve` with two worker processes, and a platform key for it."""
    key = sw("apikey", "create", "platform").out.strip().splitlines()[-1]
    port = _free_port()
    folder = Path(sw.env["SHIELDWALL_HOME"]) / "run" / f"metrics-127.0.0.1-{port}"
    folder.mkdir(parents=True)
    (folder / "counter_1.db").write_bytes(b"left by an earlier serve")
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "shieldwall.cli", "serve", "--port", str(port), "--workers", "2"],
        env=sw.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, log_path)
        yield Served(base, key, folder)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _scan(s: Served, data: bytes) -> None:
    r = httpx.post(
        f"{s.base}/api/v1/scan",
        files={"media": ("upload.jpg", data)},
        headers={"Authorization": f"Bearer {s.key}", "Connection": "close"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "allow"


def _workers_that_counted(folder: Path) -> set[int]:
    return {int(p.stem.rsplit("_", 1)[1]) for p in folder.glob("counter_*.db")}


def _allowed_scans(s: Served) -> float:
    r = httpx.get(f"{s.base}/metrics", headers={"Connection": "close"}, timeout=30)
    assert r.status_code == 200
    assert "set-cookie" not in r.headers
    return sample(parse(r.text), "shieldwall_scans_total", verdict="allow", bank_kind="none")


def test_a_scrape_adds_up_the_scans_of_every_worker(served: Served) -> None:
    data = jpeg(photo("coffee"))
    assert 1 not in _workers_that_counted(served.folder)  # emptied at start
    sent = 0
    with ThreadPoolExecutor(4) as pool:
        # Parallel requests on fresh connections until both workers have answered some.
        while len(_workers_that_counted(served.folder)) < 2 and sent < 48:
            list(pool.map(lambda _: _scan(served, data), range(4)))
            sent += 4
    assert len(_workers_that_counted(served.folder)) == 2
    assert _allowed_scans(served) == sent  # whichever worker answers the scrape


def test_a_replaced_worker_s_scans_still_count(served: Served) -> None:
    data = jpeg(photo("coffee"))
    for _ in range(3):
        _scan(served, data)
    (gone, *_) = _workers_that_counted(served.folder)
    os.kill(gone, signal.SIGTERM)  # gunicorn starts another in its place
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(gone, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    assert _allowed_scans(served) == 3
