"""A real `shieldwall serve` in a subprocess, on the fresh home and database of `cli_env`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shieldwall_client import Client
from tests.cli_support import Shieldwall

ISSUE_ACTION = """
import sys, django
django.setup()
from shieldwall.core.actors import cli_actor
from shieldwall.integrations.services import issue_action
kind, subject_id, reason = sys.argv[1:4]
print(issue_action(kind=kind, subject_id=subject_id, reason=reason, actor=cli_actor()).public_id)
"""


def free_port() -> int:
    """A TCP port nothing listens on (at the time of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    """A running server, a platform key for it, and the command line on its database."""

    base_url: str
    api_key: str
    sw: Shieldwall
    tmp_path: Path

    def client(self, **kwargs: object) -> Client:
        return Client(self.base_url, api_key=self.api_key, **kwargs)  # type: ignore[arg-type]

    def issue_action(self, kind: str, subject_id: str, reason: str = "test_reason") -> str:
        """Record a decision on the server's database, as a moderator's decision would."""
        proc = subprocess.run(
            [sys.executable, "-c", ISSUE_ACTION, kind, subject_id, reason],
            env={**self.sw.env, "DJANGO_SETTINGS_MODULE": "shieldwall.settings"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip().splitlines()[-1]


@pytest.fixture
def live(sw: Shieldwall, tmp_path: Path) -> Iterator[Live]:
    """`shieldwall serve` (one worker process) that sees bank changes at once."""
    sw.env["SHIELDWALL_INDEX_REFRESH_SECONDS"] = "0"
    created = sw(
        "apikey",
        "create",
        "platform",
        "--scope",
        "scan,lookup,events,reports,actions,banks,platform",
    )
    assert created.code == 0, created.err
    key = created.out.strip().splitlines()[-1]
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shieldwall.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            env=sw.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("server did not start: " + log_path.read_text())
                time.sleep(0.1)
            yield Live(base, key, sw, tmp_path)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
