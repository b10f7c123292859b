"""In a real browser, against a real `shieldwall serve` and `worker`: a lead reaches the
system page from the queue, sees the worker's loops running and its periodic jobs taken up
(not yet run, not yet stale); the page keeps the CSP; a moderator is refused it."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest

from tests.cli_support import Shieldwall
from tests.e2e.browser_support import browser_fixture, screenshot  # noqa: F401  (fixture)
from tests.e2e.desk_support import PASSWORD
from tests.e2e.test_csp_browser import WATCH

pytestmark = pytest.mark.slow


def _log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/desk/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/desk/")


def test_a_lead_sees_the_worker_jobs_and_a_moderator_does_not(
    browser: Any, desk: tuple[str, str], sw: Shieldwall
) -> None:
    base, _key = desk
    added = subprocess.run(
        [sys.executable, "-m", "shieldwall.cli", "staff", "add", "lea", "--role", "lead"],
        env={**sw.env, "SHIELDWALL_STAFF_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(20_000)
    _log_in(page, base, "lea")
    page.get_by_role("link", name="System").click()
    page.wait_for_url(f"{base}/desk/system")
    outbox = page.locator("#job-outbox")
    deadline = time.monotonic() + 45
    while "s ago" not in outbox.inner_text():  # a loop writes how it runs every few seconds
        assert time.monotonic() < deadline, page.content()
        time.sleep(1)
        page.reload()
    assert "loop" in outbox.inner_text()
    assert "stale" not in outbox.inner_text()
    escalate = page.locator("#job-escalate").inner_text()
    assert "never" in escalate  # periodic: its first round comes after 30 s,
    assert "stale" not in escalate  # and the worker took it up only now
    assert "pid" in escalate
    screenshot(page, "desk-system", full_page=True)
    assert page.evaluate("window.__csp") == []
    context.close()

    moderator = browser.new_context()
    page = moderator.new_page()
    _log_in(page, base, "mo")
    assert page.get_by_role("link", name="System").count() == 0
    assert page.goto(f"{base}/desk/system").status == 403
    moderator.close()
