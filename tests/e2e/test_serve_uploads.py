"""A real `shieldwall serve`: a worker killed mid-upload leaves no file; hostile media fails."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli_support import Shieldwall
from tests.hostile import huge_canvas_gif, many_frames_video
from tests.photos import jpeg, photo

pytestmark = pytest.mark.slow

BOUNDARY = "shieldwall-test-boundary"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def _wait(condition: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


@pytest.fixture
def served(sw: Shieldwall, tmp_path: Path) -> Iterator[tuple[str, str, int, Path]]:
    """`shieldwall serve` with one worker and its own TMPDIR: (base URL, key, pid, tmpdir)."""
    key = sw("apikey", "create", "platform").out.strip().splitlines()[-1]
    spill = tmp_path / "tmp"
    spill.mkdir()
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "shieldwall.cli", "serve", "--port", str(port), "--workers", "1"],
        env={**sw.env, "TMPDIR": str(spill)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        _wait(up, "the server to start", 60)
        yield base, key, proc.pid, spill
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _spill_files(pid: int, spill: Path) -> list[str]:
    """The files under `spill` that process `pid` holds open."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(spill)):
            found.append(target)
    return found


def test_a_worker_killed_mid_upload_leaves_no_file(served: tuple[str, str, int, Path]) -> None:
    base, key, master, spill = served
    _wait(lambda: _children(master), "a gunicorn worker")
    (worker,) = _children(master)
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="media"; filename="big.mp4"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    declared = len(head) + 40 * 1024 * 1024  # 40 MB promised, above the in-memory limit
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(
            (
                "POST /api/v1/scan HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {key}\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                f"Content-Length: {declared}\r\n\r\n"
            ).encode()
            + head
        )
        chunk = b"\x00" * (1024 * 1024)
        for _ in range(20):  # half the body, then the worker dies
            conn.sendall(chunk)
        _wait(lambda: _spill_files(worker, spill), "the upload to spill to disk")
        os.kill(worker, signal.SIGKILL)
        _wait(lambda: _gone(worker), "the worker to die")
    assert list(spill.iterdir()) == []


def test_hostile_uploads_are_refused_and_the_server_goes_on(
    served: tuple[str, str, int, Path],
) -> None:
    base, key, _, _ = served
    headers = {"Authorization": f"Bearer {key}"}
    for data, code in (
        (huge_canvas_gif(), "too_many_decoded_pixels"),
        (many_frames_video(frames=3000, fps=1000), "frame_rate_too_high"),
    ):
        r = httpx.post(
            f"{base}/api/v1/scan", files={"media": ("x", data)}, headers=headers, timeout=60
        )
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == code
    r = httpx.post(
        f"{base}/api/v1/scan",
        files={"media": ("a.jpg", jpeg(photo("coffee")))},
        headers=headers,
        timeout=60,
    )
    assert r.status_code == 200
    assert r.json()["verdict"] == "allow"
