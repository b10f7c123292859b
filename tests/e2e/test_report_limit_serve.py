"""The public form's limit holds exactly across `shieldwall serve`'s worker processes."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from shieldwall.reports.flow import build_flow
from tests.cli_support import Shieldwall
from tests.subjects.platform import HOST

pytestmark = pytest.mark.slow
LIMIT = 10
CSE = ["start", "me", "sensitive", "cse", "yes"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(sw: Shieldwall, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """`shieldwall serve` with two worker processes and a small report limit, over http."""
    assert sw("migrate").code == 0
    env = {
        **sw.env,
        "SHIELDWALL_REPORT_SUBMITS_PER_HOUR": str(LIMIT),
        "SHIELDWALL_SECURE_COOKIES": "false",  # plain http on loopback, like the demo
        **getattr(request, "param", {}),
    }
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "shieldwall.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
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
        _register_platform(sw, base)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _register_platform(sw: Shieldwall, base: str) -> None:
    """The form takes links to the registered platform only; register one as a platform does."""
    key = sw("apikey", "create", "limit-test", "--scope", "platform").out.strip().splitlines()[-1]
    answer = httpx.put(
        f"{base}/api/v1/platform",
        json={"hosts": [HOST], "links": {"post": ["/p/{id}"]}},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def _path_to_review() -> str:
    flow = build_flow("post", True)
    step, path = flow.start, []
    for option in CSE:
        path.append([step, option])
        chosen = flow.steps[step].option(option)
        assert chosen is not None
        assert chosen.next is not None
        step = chosen.next
    assert step == "review"
    return json.dumps(path)


def test_exactly_the_limit_is_accepted_across_two_worker_processes(server: str) -> None:
    start = httpx.get(f"{server}/report", timeout=10)
    csrf_cookie = start.cookies["csrftoken"]
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', start.text)
    assert match is not None
    path = _path_to_review()

    def submit(n: int) -> httpx.Response:
        return httpx.post(
            f"{server}/report",
            data={
                "csrfmiddlewaretoken": match.group(1),
                "subject_url": f"https://{HOST}/p/1",
                "subject_type": "post",
                "has_media": "yes",
                "token": f"tok-{n}",
                "path": path,
                "option": "submit",
            },
            cookies={"csrftoken": csrf_cookie},
            headers={"Connection": "close"},  # spread over both workers' sockets
            timeout=60,
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(submit, range(3 * LIMIT)))
    statuses = [a.status_code for a in answers]
    assert statuses.count(200) == LIMIT, statuses
    assert statuses.count(429) == 2 * LIMIT, statuses
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["Content-Type"].startswith("text/html")
    assert "Too many reports from your network in the last hour" in refused.text


HTTPS = {"SHIELDWALL_SECURE_COOKIES": "true"}


@pytest.mark.parametrize(
    ("server", "hsts"),
    [
        ({**HTTPS, "SHIELDWALL_TRUSTED_PROXIES": ""}, False),
        ({**HTTPS, "SHIELDWALL_TRUSTED_PROXIES": "127.0.0.0/8"}, True),
    ],
    indirect=["server"],
    ids=["untrusted-peer", "trusted-proxy"],
)
def test_only_a_trusted_proxy_may_say_the_request_came_over_https(
    server: str, hsts: bool, tmp_path: Path
) -> None:
    r = httpx.get(f"{server}/report", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert r.status_code == 200
    assert ("strict-transport-security" in r.headers) is hsts
    time.sleep(0.3)  # the access log line
    lines = [ln for ln in (tmp_path / "serve.log").read_text().splitlines() if "GET /report" in ln]
    assert re.match(r'^\[[^]]+\] "GET /report HTTP/1.1" 200 ', lines[-1])  # no client address
