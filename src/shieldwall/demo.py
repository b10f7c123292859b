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
    """The microblog's API key: the one saved by an earlier run while it still works."""
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.apikeys import authenticate, create_api_key
    from shieldwall.core.models import ApiKey

    key = state.get("api_key", "")
    if key and authenticate(key) is not None:
        return str(key)
    name = f"demo-microblog-{ApiKey.objects.filter(name__startswith='demo-microblog').count() + 1}"
    _, secret = create_api_key(name=name, actor=cli_actor())
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


class _Children:
    """The demo's processes, each logging to a file in the home, stopped together."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.procs: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []

    def start(self, name: str, args: list[str], env: Mapping[str, str]) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, *args], env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
        self.procs.append((name, proc, log))

    def dead(self) -> str | None:
        for name, proc, _ in self.procs:
            if proc.poll() is not None:
                return name
        return None

    def stop(self) -> None:
        for _, proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc, log in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


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
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def _allow_own_loopback(host: str) -> str:
    """Let webhooks reach the demo's microblog on its loopback host; the value for children."""
    from shieldwall.core.egress import is_loopback_name, normalise_host

    allowed = list(settings.SHIELDWALL.allow_private_hosts)
    if is_loopback_name(host) and normalise_host(host) not in allowed:
        allowed.append(normalise_host(host))
        settings.SHIELDWALL = dataclasses.replace(
            settings.SHIELDWALL, allow_private_hosts=tuple(allowed)
        )
    return ",".join(allowed)


def run_demo(*, host: str, port: int, microblog_port: int) -> int:
    """Seed the demo world and run every process until interrupted."""
    home: Path = settings.SHIELDWALL.home
    allow_private = _allow_own_loopback(host)
    mb_home = home / "microblog"
    logs = home / "demo-logs"
    logs.mkdir(parents=True, exist_ok=True)
    sw_url = f"http://{host}:{port}"
    mb_url = f"http://{host}:{microblog_port}"
    state = _load_state(home)

    _ensure_staff()
    api_key = _ensure_api_key(state)
    secret = _ensure_webhook(state, f"{mb_url}/hooks/shieldwall")
    _save_state(home, state)

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
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "microblog", "known-pictures", str(known_dir)],
        env=mb_env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    _ensure_bank(sorted(known_dir.glob("known-*.jpg")))

    children = _Children(logs)
    sw_env = {
        **base_env,
        "SHIELDWALL_ALLOWED_HOSTS": f"{host},127.0.0.1,localhost",
        # The demo serves plain http on loopback: cookies marked Secure would not come back.
        "SHIELDWALL_SECURE_COOKIES": "false",
        "SHIELDWALL_ALLOW_PRIVATE_HOSTS": allow_private,
    }
    try:
        children.start(
            "shieldwall-serve",
            [
                "-m",
                "shieldwall.cli",
                "serve",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            sw_env,
        )
        children.start("shieldwall-worker", ["-m", "shieldwall.cli", "worker"], sw_env)
        children.start(
            "microblog",
            ["-m", "microblog", "serve", "--host", host, "--port", str(microblog_port)],
            mb_env,
        )
        _wait_for(f"{sw_url}/healthz", children)
        _wait_for(f"{mb_url}/", children)
        print("Seeding the microblog (the first run takes a little while)…", flush=True)
        seeded = subprocess.run(
            [sys.executable, "-m", "microblog", "seed"], env=mb_env, check=False
        )
        if seeded.returncode != 0:
            print("shieldwall demo: seeding failed; see the messages above", file=sys.stderr)
            return 1
        print(
            f"""
Shieldwall demo is running. Press Ctrl-C to stop.

  Microblog (Tidepool)  {mb_url}/
      log in as {MICROBLOG_USER[0]} / {MICROBLOG_USER[1]}, or sign up
      try posting a picture from {known_dir}: it is in the bank "{BANK}" and is refused
  Moderator desk        {sw_url}/desk/
      moderator {MODERATOR[0]} / {MODERATOR[1]}
      admin     {ADMIN[0]} / {ADMIN[1]}  (also {sw_url}/admin/)
      report a post on Tidepool (its ⋯ menu) and the case appears here
  Public report page    {sw_url}/report
  Shieldwall API        {sw_url}/api/v1/docs
  Issue an action       shieldwall action issue remove_post POST_ID --reason demo
  Logs                  {logs}
""",
            flush=True,
        )
        while (name := children.dead()) is None:
            time.sleep(1)
        print(f"shieldwall demo: {name} stopped; see {logs}/{name}.log", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"shieldwall demo: {exc}", file=sys.stderr)
        return 1
    finally:
        children.stop()
