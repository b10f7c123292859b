"""`shieldwall serve` as a platform sees it: several worker processes, bank changes live."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli_support import Shieldwall
from tests.photos import EDITS, jpeg, photo

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(sw: Shieldwall, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A running `shieldwall serve` with two workers, and a platform key for it."""
    key = sw("apikey", "create", "platform").out.strip().splitlines()[-1]
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "shieldwall.cli", "serve", "--port", str(port), "--workers", "2"],
        env=sw.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not start: " + (tmp_path / "serve.log").read_text())
        yield base, key
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _scan(base: str, key: str, data: bytes) -> dict:  # type: ignore[type-arg]
    r = httpx.post(
        f"{base}/api/v1/scan",
        files={"media": ("upload.jpg", data)},
        headers={"Authorization": f"Bearer {key}", "Connection": "close"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_every_worker_follows_a_bank_change_within_5_seconds(
    server: tuple[str, str], sw: Shieldwall, tmp_path: Path
) -> None:
    base, key = server
    upload = EDITS["rotated_90"](photo("astronaut"))
    assert sw("bank", "create", "live", "--action", "block").code == 0
    for _ in range(8):  # warm both workers' indices on the empty bank
        assert _scan(base, key, upload)["verdict"] == "allow"
    banked = tmp_path / "banked.jpg"
    banked.write_bytes(jpeg(photo("astronaut")))
    assert sw("bank", "add", "live", str(banked)).code == 0
    changed = time.monotonic()
    while _scan(base, key, upload)["verdict"] != "block":
        assert time.monotonic() - changed < 5, "a worker still served the old index after 5 s"
        time.sleep(0.1)
    time.sleep(max(0.0, 5 - (time.monotonic() - changed)))
    verdicts = {_scan(base, key, upload)["verdict"] for _ in range(12)}
    assert verdicts == {"block"}


def test_server_survives_hostile_uploads(server: tuple[str, str]) -> None:
    base, key = server
    headers = {"Authorization": f"Bearer {key}"}
    for content in (b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, b"GIF89a" + b"\xff" * 20):
        r = httpx.post(
            f"{base}/api/v1/scan", files={"media": ("x.png", content)}, headers=headers, timeout=30
        )
        assert r.status_code == 422
        assert r.json()["error"]["code"] in {"empty_file", "corrupt", "unsupported_type"}
    r = httpx.post(
        f"{base}/api/v1/scan",
        content=b"garbage",
        headers={**headers, "Content-Type": "multipart/form-data; boundary=zzz"},
        timeout=30,
    )
    assert r.status_code in (400, 422)
    assert _scan(base, key, jpeg(photo("coffee")))["verdict"] == "allow"
