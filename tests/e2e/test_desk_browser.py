"""A moderator at the desk in a real browser: log in, open the top case, remove it by keyboard.

`shieldwall serve` runs in a subprocess on a fresh home and database; the platform's side
(scan, report) goes through the API; chromium drives the desk. Until shieldwall/urls.py
mounts the desk (and WhiteNoise serves static files under gunicorn), a settings shim in
the test's temporary directory adds those routes; once the project has them it adds nothing.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli_support import Shieldwall
from tests.e2e.browser_support import browser_fixture, screenshot  # noqa: F401  (fixture)
from tests.photos import jpeg, photo

pytestmark = pytest.mark.slow

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
    env["PYTHONPATH"] = f"{shim}:{REPO / 'src'}:{REPO}"  # this checkout's code, not the venv's
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


CSE_PATH = [
    {"step": "report_post", "option": "start"},
    {"step": "who_affected", "option": "someone_else"},
    {"step": "what_happening", "option": "sensitive"},
    {"step": "sensitive_kind", "option": "cse"},
    {"step": "cse_confirm", "option": "yes"},
    {"step": "review", "option": "submit"},
]


def _platform_reports_a_banked_image(sw: Shieldwall, base: str, key: str, tmp_path: Path) -> str:
    """The platform publishes an upload, its media is banked as verified, and a user reports
    the post. (Were it banked first, the upload would be blocked, and that blocked attempt
    would itself open a case on the account, ahead of this one.)"""
    image = tmp_path / "banked.jpg"
    image.write_bytes(jpeg(photo("chelsea")))
    headers = {"Authorization": f"Bearer {key}"}
    scan = httpx.post(
        f"{base}/api/v1/scan",
        files={"media": ("upload.jpg", image.read_bytes())},
        data={"media_id": "media-77", "post_id": "post-77", "account_id": "acct-7"},
        headers=headers,
        timeout=30,
    )
    assert scan.status_code == 200, scan.text
    assert scan.json()["verdict"] == "allow"
    assert (
        sw("bank", "create", "verified", "--kind", "verified_csam", "--action", "block").code == 0
    )
    assert sw("bank", "add", "verified", str(image)).code == 0
    body = {
        "idempotency_key": "desk-e2e-1",
        "subject": {"type": "post", "id": "post-77", "handle": "@poster", "has_media": True},
        "path": CSE_PATH,
        "fields": {"cse_reason": "abuse_imagery", "context": "Seen in the placeholder tag."},
        "reporter": {"platform_id": "user-42"},
    }
    r = httpx.post(f"{base}/api/v1/reports", json=body, headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    return "post-77"


def test_moderator_removes_the_top_case_by_keyboard(
    browser: Any, desk: tuple[str, str], sw: Shieldwall, tmp_path: Path
) -> None:
    base, key = desk
    post = _platform_reports_a_banked_image(sw, base, key, tmp_path)
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{base}/desk/")
        assert "/accounts/login/" in page.url
        page.get_by_label("Username").fill("mo")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/desk/")
        deadline = time.monotonic() + 30  # the worker files the report within moments
        while post not in page.locator("#queue-results").inner_text():
            assert time.monotonic() < deadline, "the report never reached the queue"
            time.sleep(0.3)
            page.reload()

        top = page.locator("#queue-results tbody tr").first
        assert post in top.inner_text()
        assert "CSE" in top.inner_text()
        assert "current" in (top.get_attribute("class") or "")
        screenshot(page, "desk-e2e-queue")

        page.keyboard.press("Enter")  # the top row is highlighted: Enter opens it
        page.wait_for_url(f"{base}/desk/case/**")
        assert page.get_by_text("Matched a verified bank").is_visible()
        veil = page.locator(".tile .veil").first
        style = veil.evaluate("el => getComputedStyle(el).filter")
        assert "blur" in style
        assert "grayscale" in style

        page.evaluate("window.__noReload = 'still here'")
        page.keyboard.press("r")
        dialog = page.locator("dialog#confirm-removed_post")
        dialog.wait_for(state="visible")
        screenshot(page, "desk-e2e-confirm")
        page.keyboard.press("Enter")
        page.locator("#decisions .closed-line").wait_for()
        assert "Post removed" in page.locator("#decisions").inner_text()
        assert page.locator("#flash").inner_text().startswith("Done: Remove post")
        assert page.evaluate("window.__noReload") == "still here"  # no full page load
        assert "case.decide" in page.locator("#audit").inner_text()
        screenshot(page, "desk-e2e-closed", full_page=True)
    finally:
        context.close()
