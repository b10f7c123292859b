"""Several servers on one machine: each gunicorn keeps its own control socket.

Gunicorn 27 gives every instance of a user the same control socket by default, so a second
server took over the first one's and removed it on exit. Two `shieldwall serve` and a
Tidepool server run side by side here; each socket answers for its own server, and stopping
one leaves the others' in place.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from gunicorn.ctl.client import ControlClient

from tests.cli_support import Shieldwall
from tests.microblog.stack import free_port, microblog_env, wait_http

pytestmark = pytest.mark.slow
SERVE = (sys.executable, "-m", "shieldwall.cli", "serve", "--workers", "1")


def _listening_port(socket_path: Path) -> int:
    """The port the server behind this control socket listens on, as it says itself."""
    with ControlClient(str(socket_path), timeout=10) as client:
        answer = client.send_command("show listeners")
    [listener] = answer["listeners"]
    return int(str(listener["address"]).rsplit(":", 1)[1])


def _socket_of(log: Path, seconds: float = 30) -> Path:
    """The control socket a server says it listens on, from its log."""
    deadline = time.monotonic() + seconds
    while True:
        found = re.search(r"Control socket listening at (\S+)", log.read_text(errors="replace"))
        if found:
            return Path(found.group(1))
        assert time.monotonic() < deadline, f"no control socket in {log}:\n{log.read_text()}"
        time.sleep(0.1)


def test_two_serves_and_tidepool_each_keep_their_own_control_socket(
    sw: Shieldwall, tmp_path: Path
) -> None:
    home = Path(sw.env["SHIELDWALL_HOME"])
    ports = [free_port(), free_port()]
    mb_port = free_port()
    mb_env = microblog_env(tmp_path / "tidepool", "http://127.0.0.1:9", "sw_none", "s", mb_port)
    commands = [
        ([*SERVE, "--port", str(p)], sw.env, f"http://127.0.0.1:{p}/healthz") for p in ports
    ] + [
        (
            [sys.executable, "-m", "microblog", "serve", "--workers", "1", "--port", str(mb_port)],
            mb_env,
            f"http://127.0.0.1:{mb_port}/",
        )
    ]
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    try:
        for n, (args, env, url) in enumerate(commands):
            logs.append(tmp_path / f"server-{n}.log")
            with logs[-1].open("wb") as out:
                procs.append(subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT))
            wait_http(url, procs[-1], logs[-1])
        sockets = [_socket_of(log) for log in logs]
        assert len(set(sockets)) == 3
        assert sockets[0] == home / "run" / f"gunicorn-127.0.0.1-{ports[0]}.ctl"
        assert [_listening_port(s) for s in sockets] == [*ports, mb_port]

        procs[0].terminate()
        procs[0].wait(timeout=30)
        assert not sockets[0].exists()  # the first serve removed its own socket only
        assert [_listening_port(s) for s in sockets[1:]] == [ports[1], mb_port]
        assert httpx.get(f"http://127.0.0.1:{ports[1]}/healthz", timeout=5).status_code == 200
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
