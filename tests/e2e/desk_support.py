"""The desk under test: `shieldwall serve` and `worker` on a fresh home, and its staff users.

Until shieldwall/urls.py mounts the desk (and WhiteNoise serves static files under gunicorn),
a settings shim in the test's temporary directory adds those routes; once the project has
them it adds nothing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli_support import Shieldwall

PASSWORD = "desk-browser-password-1"
REPO = Path(__file__).resolve().parents[2]

SHIM_URLS = """
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles.views import serve
from django.urls import include, path, re_path

from shieldwall import urls as root

have = {str(p.pattern) for p in root.urlpatterns}
urlpatterns = list(root.urlpatterns)
if "desk/" not in have:
    urlpatterns.append(path("desk/", include("shieldwall.cases.urls")))
if "accounts/login/" not in have:
    urlpatterns += [
        path("accounts/login/",
             auth_views.LoginView.as_view(template_name="shieldwall/login.html"), name="login"),
        path("accounts/logout/",
             auth_views.LogoutView.as_view(next_page="/accounts/login/"), name="logout"),
    ]
if not any("whitenoise" in m for m in settings.MIDDLEWARE):
    urlpatterns.append(re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}))
"""

MODERATOR = """
from shieldwall.cli import _setup
_setup()
from shieldwall.core.actors import cli_actor
from shieldwall.core.staff import create_staff_user
create_staff_user(username="mo", roles=["moderator"], actor=cli_actor(), password=%r)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _shim_env(sw: Shieldwall, tmp_path: Path) -> dict[str, str]:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "desk_shim_urls.py").write_text(textwrap.dedent(SHIM_URLS))
    (shim / "desk_shim_settings.py").write_text(
        'from shieldwall.settings import *  # noqa: F403\nROOT_URLCONF = "desk_shim_urls"\n'
    )
    env = dict(sw.env)
    # This checkout's code ahead of any installed package, then what the caller set.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(shim), str(REPO / "src"), str(REPO), env.get("PYTHONPATH")) if p
    )
    env["DJANGO_SETTINGS_MODULE"] = "desk_shim_settings"
    return env


@pytest.fixture
def desk(sw: Shieldwall, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`shieldwall serve` and `worker` running, with a moderator "mo" and a platform API key."""
    key = sw("apikey", "create", "platform").out.strip().splitlines()[-1]
    env = _shim_env(sw, tmp_path)
    made = subprocess.run(
        [sys.executable, "-c", MODERATOR % PASSWORD],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "shieldwall.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(  # files reported posts into cases
        [sys.executable, "-m", "shieldwall.cli", "worker"],
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
        yield base, key
    finally:
        for child in (proc, worker):
            child.terminate()
            child.wait(timeout=30)
        log.close()
