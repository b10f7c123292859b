"""`shieldwall demo`: Shieldwall, its worker and the reference microblog, with a seeded world.

The microblog runs as its own process, talking to Shieldwall only over HTTP (the SDK and
signed webhooks), exactly as a real platform would. A second run reuses everything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import httpx
from django.conf import settings

# A local demo: fixed, printed passwords. Never run the demo on a public address.
ADMIN = ("admin", "shieldwall-demo-admin")
MODERATOR = ("moderator", "shieldwall-demo-moderator")
MICROBLOG_USER = ("demo", "tidepool-demo-2026")
BANK = "demo-known"


def _state_path(home: Path) -> Path:
    return home / "demo.json"


def _load_state(home: Path) -> dict[str, Any]:
    path = _state_path(home)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_state(home: Path, state: Mapping[str, Any]) -> None:
    path = _state_path(home)
    path.write_text(json.dumps(state, indent=2))
    path.chmod(0o600)


def _ensure_staff() -> None:
    """The admin and a moderator, with the demo passwords (kept if they exist)."""
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import Conflict
    from shieldwall.core.staff import create_staff_user

    for (username, password), roles, superuser in (
        (ADMIN, ["admin"], True),
        (MODERATOR, ["moderator"], False),
    ):
        with contextlib.suppress(Conflict):
            create_staff_user(
                username=username,
                roles=roles,
                password=password,
                superuser=superuser,
                actor=cli_actor(),
            )


def _ensure_api_key(state: dict[str, Any]) -> str:
    """The microblog's API key: the one saved by an earlier run while it still works. It may
    register the microblog's profile (its links and media hosts), which Tidepool does on start."""
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.apikeys import authenticate, create_api_key
    from shieldwall.core.models import ApiKey
    from shieldwall.core.roles import DEFAULT_SCOPES
    from shieldwall.subjects.permissions import CONFIGURE_PLATFORM
    from shieldwall.terms.permissions import CHECK_TERMS

    key = state.get("api_key", "")
    known = authenticate(key) if key else None
    # A key saved before search checks existed lacks the `search` scope: make a new one.
    if known is not None and known.can(CONFIGURE_PLATFORM) and known.can(CHECK_TERMS):
        return str(key)
    name = f"demo-microblog-{ApiKey.objects.filter(name__startswith='demo-microblog').count() + 1}"
    _, secret = create_api_key(name=name, actor=cli_actor(), scopes=(*DEFAULT_SCOPES, "platform"))
    state["api_key"] = secret
    return secret


def _ensure_webhook(state: dict[str, Any], url: str) -> str:
    """The webhook to the microblog and its secret (rotated if an earlier one was lost)."""
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import Conflict
    from shieldwall.integrations import services
    from shieldwall.integrations.models import WebhookEndpoint

    known = WebhookEndpoint.objects.filter(url=url, enabled=True).exists()
    if known and state.get("webhook_url") == url and state.get("webhook_secret"):
        return str(state["webhook_secret"])
    try:
        _, secret = services.add_endpoint(url=url, actor=cli_actor())
    except Conflict:
        _, secret = services.rotate_secret(endpoint=url, actor=cli_actor())
    state["webhook_url"], state["webhook_secret"] = url, secret
    return secret


def _ensure_bank(pictures: list[Path]) -> None:
    """The bank `demo-known` (platform-removed media, blocked) holding the known pictures."""
    from shieldwall.banks import services
    from shieldwall.banks.kinds import BankAction, BankKind
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import NotFound

    actor = cli_actor()
    reason = "demo: the pictures the demo shows being refused"
    try:
        services.get_bank(BANK)
    except NotFound:
        services.create_bank(
            name=BANK,
            actor=actor,
            kind=BankKind.PLATFORM_REMOVED,
            action=BankAction.BLOCK,
            reason=reason,
        )
    for path in pictures:
        services.add_media(
            bank_name=BANK, data=path.read_bytes(), actor=actor, note=path.name, reason=reason
        )


class Stopped(Exception):
    """Ctrl-C (SIGINT) or SIGTERM asked the demo to stop."""


class _StopSignal:
    """Turns SIGINT and SIGTERM into a flag the demo checks, so it stops in order anywhere:
    no KeyboardInterrupt in the middle of a call, no traceback. A second one stops at once."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.count = 0
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _StopSignal:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)

    def _handle(self, signum: int, frame: object) -> None:
        self.count += 1
        self.event.set()

    def check(self) -> None:
        """Raise Stopped once a stop was asked for."""
        if self.event.is_set():
            raise Stopped

    def wait(self, seconds: float) -> None:
        """Sleep, or raise Stopped as soon as a stop is asked for."""
        if self.event.wait(seconds):
            raise Stopped


class _Children:
    """The demo's processes, each logging to a file in the home, stopped together.

    Each runs in its own process group: Ctrl-C in the terminal reaches the demo alone, which
    then stops every child once, in order (a worker signalled twice would drop its task).
    """

    def __init__(self, logs: Path, stop: _StopSignal) -> None:
        self.logs = logs
        self.stop_signal = stop
        self.procs: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []

    def start(self, name: str, args: list[str], env: Mapping[str, str]) -> None:
        log = (self.logs / f"{name}.log").open("wb" if name in ONE_OFF else "ab")
        proc = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, *args],
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            process_group=0,
        )
        self.procs.append((name, proc, log))

    def run(self, name: str, args: list[str], env: Mapping[str, str]) -> str:
        """Run a one-off command to its end (or until a stop); return what it printed."""
        self.start(name, args, env)
        _, proc, _ = self.procs[-1]
        while proc.poll() is None:
            self.stop_signal.wait(0.2)
        text = (self.logs / f"{name}.log").read_text(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"{name} failed; see {self.logs}/{name}.log:\n{text[-2000:]}")
        return text

    def dead(self) -> str | None:
        """The name of a long-running child that stopped by itself, if any."""
        for name, proc, _ in self.procs:
            if name in ONE_OFF:
                continue
            if proc.poll() is not None:
                return name
        return None

    def stop(self) -> None:
        """SIGTERM to each child still running, then wait (a second Ctrl-C: kill at once)."""
        for _, proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _, proc, log in self.procs:
            while proc.poll() is None:
                if self.stop_signal.count > 1 or time.monotonic() > deadline:
                    proc.kill()
                proc_wait(proc, 0.1)
            log.close()


def proc_wait(proc: subprocess.Popen[bytes], seconds: float) -> None:
    """Wait a little for a child to end."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=seconds)


ONE_OFF = ("known-pictures", "seed")


def _wait_for(url: str, children: _Children, seconds: float = 60) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (name := children.dead()) is not None:
            raise RuntimeError(f"{name} stopped; see its log in {children.logs}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        children.stop_signal.wait(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def _allow_own_loopback(host: str) -> str:
    """Let webhooks reach the demo's microblog on its loopback host; the value for children."""
    from shieldwall.core.egress import is_loopback_name
    from shieldwall.hosts import bare_host

    allowed = list(settings.SHIELDWALL.allow_private_hosts)
    if is_loopback_name(host) and bare_host(host) not in allowed:
        allowed.append(bare_host(host))
        settings.SHIELDWALL = dataclasses.replace(
            settings.SHIELDWALL, allow_private_hosts=tuple(allowed)
        )
    return ",".join(allowed)


def _wait_until_filed(stop: _StopSignal, seconds: float = 60) -> None:
    """Wait for the worker to file the seeded reports into cases."""
    from shieldwall.reports.models import Report

    deadline = time.monotonic() + seconds
    while Report.objects.filter(filed_at__isnull=True).exists():
        if time.monotonic() > deadline:
            return
        stop.wait(0.3)


def run_demo(
    *, host: str, port: int, microblog_port: int, world: tuple[int, int, int] = (200, 400, 4)
) -> int:
    """Seed the demo world and run every process until Ctrl-C; exit 0 when stopped so."""
    with _StopSignal() as stop:
        children = _Children(settings.SHIELDWALL.home / "demo-logs", stop)
        try:
            return _run(host, port, microblog_port, world, stop, children)
        except Stopped:
            print("\nStopping…", flush=True)
            return 0
        except RuntimeError as exc:
            print(f"shieldwall demo: {exc}", file=sys.stderr)
            return 1
        finally:
            children.stop()
            if stop.event.is_set():
                print("Stopped.", flush=True)


def _run(
    host: str,
    port: int,
    microblog_port: int,
    world: tuple[int, int, int],
    stop: _StopSignal,
    children: _Children,
) -> int:
    home: Path = settings.SHIELDWALL.home
    allow_private = _allow_own_loopback(host)
    mb_home = home / "microblog"
    logs = children.logs
    logs.mkdir(parents=True, exist_ok=True)
    sw_url = f"http://{host}:{port}"
    mb_url = f"http://{host}:{microblog_port}"
    state = _load_state(home)

    _ensure_staff()
    api_key = _ensure_api_key(state)
    secret = _ensure_webhook(state, f"{mb_url}/hooks/shieldwall")
    _save_state(home, state)
    stop.check()

    base_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    mb_env = {
        **{k: v for k, v in base_env.items() if not k.startswith(("SHIELDWALL_", "DATABASE_"))},
        "MICROBLOG_HOME": str(mb_home),
        "MICROBLOG_PUBLIC_URL": mb_url,
        "MICROBLOG_ALLOWED_HOSTS": f"{host},127.0.0.1,localhost",
        "MICROBLOG_DEMO_PASSWORD": MICROBLOG_USER[1],
        "SHIELDWALL_URL": sw_url,
        "SHIELDWALL_API_KEY": api_key,
        "SHIELDWALL_WEBHOOK_SECRET": secret,
    }
    known_dir = home / "demo-known"
    children.run("known-pictures", ["-m", "microblog", "known-pictures", str(known_dir)], mb_env)
    _ensure_bank(sorted(known_dir.glob("known-*.jpg")))
    stop.check()

    sw_env = {
        **base_env,
        "SHIELDWALL_ALLOWED_HOSTS": f"{host},127.0.0.1,localhost",
        # The demo serves plain http on loopback: cookies marked Secure would not come back.
        "SHIELDWALL_SECURE_COOKIES": "false",
        "SHIELDWALL_ALLOW_PRIVATE_HOSTS": allow_private,
    }
    serve = ["-m", "shieldwall.cli", "serve", "--host", host, "--port", str(port)]
    children.start("shieldwall-serve", [*serve, "--workers", "2"], sw_env)
    children.start("shieldwall-worker", ["-m", "shieldwall.cli", "worker"], sw_env)
    children.start(
        "microblog",
        ["-m", "microblog", "serve", "--host", host, "--port", str(microblog_port)],
        mb_env,
    )
    _wait_for(f"{sw_url}/healthz", children)
    _wait_for(f"{mb_url}/", children)
    print("Seeding the microblog and a few reports (the first run takes a little while)…")
    accounts, posts, videos = world
    size = ["--accounts", str(accounts), "--posts", str(posts), "--videos", str(videos)]
    seeded = children.run("seed", ["-m", "microblog", "seed", *size], mb_env)
    _wait_until_filed(stop)
    from shieldwall.demo_stories import stories  # it reads the queue: Django must be set up

    logins = (MICROBLOG_USER, MODERATOR, ADMIN)
    welcome = stories(
        sw_url=sw_url,
        mb_url=mb_url,
        known_dir=known_dir,
        logs=logs,
        seeded=seeded,
        logins=logins,
        bank=BANK,
    )
    print(welcome)
    sys.stdout.flush()
    while (name := children.dead()) is None:
        stop.wait(1)
    print(f"shieldwall demo: {name} stopped; see {logs}/{name}.log", file=sys.stderr)
    return 1
