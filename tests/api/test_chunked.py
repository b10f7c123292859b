"""Chunked request bodies (`Transfer-Encoding: chunked`, no Content-Length) from a platform
are read, up to the body limit; Django alone reads only Content-Length bytes, so they arrived
empty."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shieldwall.core.middleware import ChunkedBodies, body_limit
from tests.cli_support import Shieldwall
from tests.photos import jpeg, photo

UPLOAD_LIMIT = 200_000  # the served process's SHIELDWALL_MAX_UPLOAD_BYTES


class _Recorder:
    """A WSGI app that keeps what it was given."""

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.seen = {"length": length, "body": environ["wsgi.input"].read(length)}
        self.seen["stream"] = environ["wsgi.input"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


@pytest.fixture
def key(api_key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key}"}


def _call(app: Any, body: bytes, path: str = "/api/v1/x", **headers: str) -> tuple[str, bytes]:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "wsgi.input": io.BytesIO(body)}
    environ.update(headers)
    status: list[str] = []
    result = app(environ, lambda s, h: status.append(s))
    data = b"".join(result)
    getattr(result, "close", lambda: None)()
    return status[0], data


def test_a_chunked_body_reaches_the_app_with_its_length(key: dict[str, str]) -> None:
    inner = _Recorder()
    body = b"x" * 3_000_000  # more than is kept in memory: spooled to an unlinked file
    status, _ = _call(ChunkedBodies(inner), body, HTTP_TRANSFER_ENCODING="chunked", **key)
    assert status == "200 OK"
    assert inner.seen["length"] == len(body)
    assert inner.seen["body"] == body
    assert inner.seen["stream"].closed  # closed with the response


def test_a_body_with_a_length_is_passed_through_untouched(key: dict[str, str]) -> None:
    inner = _Recorder()
    _call(ChunkedBodies(inner), b"abc", CONTENT_LENGTH="3", **key)
    assert inner.seen["body"] == b"abc"
    assert isinstance(inner.seen["stream"], io.BytesIO)


@pytest.mark.parametrize(
    ("path", "auth"),
    [
        ("/api/v1/x", ""),
        ("/api/v1/x", "Bearer sw_" + "x" * 43),
        ("/api/v1/x", "Basic abc"),
        ("/report", "KEY"),
    ],
)
def test_a_chunked_body_is_not_read_for_a_stranger_or_outside_the_api(
    key: dict[str, str], path: str, auth: str
) -> None:
    inner = _Recorder()
    if auth == "KEY":
        auth = key["HTTP_AUTHORIZATION"]
    body = io.BytesIO(b"x" * 100)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "wsgi.input": body}
    environ.update(HTTP_TRANSFER_ENCODING="chunked", HTTP_AUTHORIZATION=auth)
    ChunkedBodies(inner)(environ, lambda s, h: None)
    assert inner.seen["length"] == 0
    assert body.tell() == 0  # not a byte read


def test_a_chunked_body_over_the_limit_is_a_json_413_before_the_app(
    settings: Any, key: dict[str, str]
) -> None:
    import dataclasses

    settings.SHIELDWALL = dataclasses.replace(settings.SHIELDWALL, max_upload_bytes=10)
    inner = _Recorder()
    status, data = _call(
        ChunkedBodies(inner), b"x" * (body_limit() + 1), HTTP_TRANSFER_ENCODING="chunked", **key
    )
    assert status.startswith("413")
    assert json.loads(data)["error"]["code"] == "too_large"
    assert inner.seen == {}


# --- against a real `shieldwall serve` (gunicorn) -----------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(sw: Shieldwall, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A running `shieldwall serve` with a small upload limit, and a platform key's headers."""
    key = (
        sw("apikey", "create", "platform", "--scope", "scan,lookup,banks")
        .out.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    env = {**sw.env, "SHIELDWALL_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)}
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "shieldwall.cli", "serve", "--port", str(port), "--workers", "1"],
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
        yield base, {"Authorization": f"Bearer {key}"}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


@pytest.mark.slow
def test_chunked_bodies_are_read_by_the_served_api(served: tuple[str, dict[str, str]]) -> None:
    base, headers = served
    image = jpeg(photo("coffee"))
    r = httpx.post(f"{base}/api/v1/banks", json={"name": "known"}, headers=headers)
    assert r.status_code == 201, r.text
    md5 = hashlib.md5(image).hexdigest()
    body = json.dumps({"hashes": [{"signal_type": "md5", "value": md5}]}).encode()
    r = httpx.post(
        f"{base}/api/v1/banks/known/hashes",
        content=_chunks(body),  # an iterator: httpx sends it chunked, with no Content-Length
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert r.request.headers["Transfer-Encoding"] == "chunked"

    lookup = json.dumps({"md5": md5}).encode()
    r = httpx.post(
        f"{base}/api/v1/lookup",
        content=_chunks(lookup, 7),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert [m["signal_type"] for m in r.json()["matches"]] == ["md5"]

    form = httpx.Request(
        "POST", f"{base}/api/v1/scan", files={"media": ("a.jpg", image)}, headers=headers
    )
    r = httpx.post(
        f"{base}/api/v1/scan",
        content=_chunks(form.read()),
        headers={**headers, "Content-Type": form.headers["Content-Type"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["hashes"]["md5"] == md5


@pytest.mark.slow
def test_a_chunked_body_over_the_limit_is_refused_by_the_served_api(
    served: tuple[str, dict[str, str]],
) -> None:
    base, headers = served
    too_big = b"x" * (UPLOAD_LIMIT + 1024 * 1024 + 1)
    r = httpx.post(
        f"{base}/api/v1/lookup",
        content=_chunks(too_big, 65536),
        headers={**headers, "Content-Type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413
    assert r.headers["Content-Type"] == "application/json"
    assert r.json()["error"]["code"] == "too_large"
    r = httpx.get(f"{base}/healthz")
    assert r.status_code == 200


@pytest.mark.slow
def test_a_chunked_body_without_a_key_is_a_json_401(served: tuple[str, dict[str, str]]) -> None:
    base, _ = served
    r = httpx.post(
        f"{base}/api/v1/lookup",
        content=_chunks(b'{"md5": "' + b"0" * 32 + b'"}'),
        headers={"Content-Type": "application/json", "Authorization": "Bearer sw_nope"},
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
