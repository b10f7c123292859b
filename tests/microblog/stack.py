"""Shieldwall (serve + worker) and the microblog as real processes on free ports.

The microblog is its own Django project: it cannot share a process with Shieldwall's test
settings, so its tests drive it over HTTP, the way Shieldwall and people reach it.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from tests.cli_support import Result, Shieldwall, scratch_database


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def shieldwall_env(home: Path) -> Iterator[dict[str, str]]:
    """Like `cli_env`, for a wider scope: its own home and, on PostgreSQL, its own database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHIELDWALL_", "MICROBLOG_")) and k != "DJANGO_SETTINGS_MODULE"
    }
    env["SHIELDWALL_HOME"] = str(home)
    env["SHIELDWALL_INDEX_REFRESH_SECONDS"] = "0"
    env["SHIELDWALL_ALLOW_PRIVATE_HOSTS"] = "127.0.0.1"  # the microblog's webhook receiver
    env["SHIELDWALL_SECURE_COOKIES"] = "false"  # plain http on loopback, like the demo
    env.pop("DATABASE_URL", None)
    with scratch_database("shieldwall_mb") as url:
        if url:
            env["DATABASE_URL"] = url
        yield env


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    """Wait until the URL answers; fail with the process's log if it dies or never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} process exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer:\n{log.read_text()[-3000:]}")


@dataclass
class Stack:
    """The running processes and how to reach them."""

    tmp: Path
    sw: Shieldwall
    sw_url: str
    mb_url: str
    api_key: str
    webhook_secret: str
    mb_env: dict[str, str]
    procs: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = field(default_factory=list)

    def microblog(self, *args: str, timeout: float = 120) -> Result:
        """Run `python -m microblog ARGS` against this stack's microblog home."""
        proc = subprocess.run(
            [sys.executable, "-m", "microblog", *args],
            env=self.mb_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def start(self, name: str, args: list[str], env: dict[str, str], url: str) -> None:
        """Start a process and wait for it to answer at URL."""
        log_path = self.tmp / f"{name}.log"
        log = log_path.open("ab")
        proc = subprocess.Popen(
            [sys.executable, *args], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.procs.append((proc, log))
        wait_http(url, proc, log_path)

    def stop(self) -> None:
        """Stop every process this stack started."""
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc, log in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
        self.procs.clear()

    def microblog_account_id(self, handle: str) -> str:
        """The opaque account id the microblog gave Shieldwall for a handle."""
        page = httpx.get(f"{self.mb_url}/@{handle}", timeout=30).text
        return page.split('data-account-id="')[1].split('"')[0]

    def shieldwall_python(self, code: str, *args: str) -> str:
        """Run Python against this stack's Shieldwall database; return its last line printed."""
        proc = subprocess.run(
            [sys.executable, "-c", code, *args],
            env={**self.sw.env, "DJANGO_SETTINGS_MODULE": "shieldwall.settings"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return (proc.stdout.strip().splitlines() or [""])[-1]

    def staff(self, username: str, role: str) -> httpx.Client:
        """A browser-like session at Shieldwall's desk, logged in as a new staff member."""
        password = "stack-staff-" + uuid.uuid4().hex
        self.shieldwall_python(STAFF, username, role, password)
        http = httpx.Client(base_url=self.sw_url, timeout=60, follow_redirects=False)
        page = http.get("/accounts/login/")
        token = CSRF.search(page.text)
        assert token, page.text[-2000:]
        r = http.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": password,
                "next": "/desk/",
            },
        )
        assert r.status_code == 302, r.text[-2000:]
        return http

    def issue(self, kind: str, subject_id: str) -> str:
        """Issue an action through Shieldwall's command line; return its id."""
        r = self.sw("action", "issue", kind, subject_id, "--reason", "test")
        assert r.code == 0, r.err
        return r.out.strip().splitlines()[-1]


def microblog_env(tmp: Path, sw_url: str, api_key: str, secret: str, port: int) -> dict[str, str]:
    """The environment of a microblog process pointed at a Shieldwall."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHIELDWALL_", "MICROBLOG_", "DATABASE_"))
        and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        MICROBLOG_HOME=str(tmp),
        MICROBLOG_PUBLIC_URL=f"http://127.0.0.1:{port}",
        SHIELDWALL_URL=sw_url,
        SHIELDWALL_API_KEY=api_key,
        SHIELDWALL_WEBHOOK_SECRET=secret,
        MICROBLOG_SHIELDWALL_TIMEOUT="10",
    )
    return env


@contextlib.contextmanager
def running_stack(tmp: Path, *, webhooks: bool = True) -> Iterator[Stack]:
    """Shieldwall serve + worker and a microblog, fresh homes and databases, stopped after."""
    with shieldwall_env(tmp / "shieldwall") as env:
        sw = Shieldwall(env)
        key_run = sw(
            "apikey",
            "create",
            "microblog",
            "--scope",
            "scan,lookup,events,reports,actions,platform,search",
        )
        assert key_run.code == 0, key_run.err
        api_key = key_run.out.strip().splitlines()[-1]
        sw_port, mb_port = free_port(), free_port()
        secret = "whsec_test_" + uuid.uuid4().hex
        if webhooks:
            hook = sw("webhook", "add", f"http://127.0.0.1:{mb_port}/hooks/shieldwall")
            assert hook.code == 0, hook.err
            secret = hook.out.strip().splitlines()[-1]
        stack = Stack(
            tmp=tmp,
            sw=sw,
            sw_url=f"http://127.0.0.1:{sw_port}",
            mb_url=f"http://127.0.0.1:{mb_port}",
            api_key=api_key,
            webhook_secret=secret,
            mb_env=microblog_env(
                tmp / "microblog", f"http://127.0.0.1:{sw_port}", api_key, secret, mb_port
            ),
        )
        try:
            stack.start(
                "serve",
                ["-m", "shieldwall.cli", "serve", "--port", str(sw_port), "--workers", "1"],
                env,
                f"{stack.sw_url}/healthz",
            )
            stack.start(
                "worker",
                ["-m", "shieldwall.cli", "worker", "--interval", "0.2"],
                env,
                f"{stack.sw_url}/healthz",
            )
            stack.start(
                "microblog",
                ["-m", "microblog", "serve", "--port", str(mb_port), "--workers", "1"],
                stack.mb_env,
                f"{stack.mb_url}/",
            )
            yield stack
        finally:
            stack.stop()


STAFF = """
import sys
from shieldwall.cli import _setup
_setup()
from shieldwall.core.actors import cli_actor
from shieldwall.core.staff import create_staff_user
username, role, password = sys.argv[1:4]
create_staff_user(username=username, roles=[role], actor=cli_actor(), password=password)
"""
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
POST_URL = re.compile(r"/p/(p_[0-9a-f]+)$")


class Person:
    """Someone using the microblog with a browser-like HTTP session (cookies, CSRF)."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
        self.last_page = ""  # the page shown after the last compose

    def __enter__(self) -> Person:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _token(self, path: str) -> str:
        page = self.http.get(path)
        match = CSRF.search(page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def sign_up(self, handle: str, password: str = "correct-horse-battery") -> None:
        """Create the account (and stay logged in)."""
        r = self.http.post(
            "/signup",
            data={
                "csrfmiddlewaretoken": self._token("/signup"),
                "handle": handle,
                "display_name": handle.title(),
                "password": password,
            },
        )
        assert r.status_code == 302, r.text[-2000:]

    def post(self, text: str, *files: bytes, alt: str = "") -> tuple[str | None, str]:
        """Compose; return (post id or None when refused, the message shown)."""
        r = self.http.post(
            "/compose",
            data={"csrfmiddlewaretoken": self._token("/"), "text": text, "alt_text": alt},
            files=[("media", (f"upload{i}.jpg", data)) for i, data in enumerate(files)],
        )
        assert r.status_code == 302, r.text[-2000:]
        location = r.headers["location"]
        shown = self.last_page = self.http.get(location).text
        flash = re.search(r'<p class="flash[^"]*">([^<]*)</p>', shown)
        message = flash.group(1) if flash else ""
        match = POST_URL.search(location)
        return (match.group(1) if match else None), message

    def get(self, path: str, **params: str) -> httpx.Response:
        """A page."""
        return self.http.get(path, params=params)
