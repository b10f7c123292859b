"""A moderator at the desk in a real browser: log in, open the top case, remove it by keyboard.

`shieldwall serve` runs in a subprocess on a fresh home and database (the `desk` fixture in
conftest.py); the platform's side (scan, report) goes through the API; chromium drives the
desk.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli_support import Shieldwall
from tests.e2e.browser_support import browser_fixture, screenshot  # noqa: F401  (fixture)
from tests.e2e.desk_support import PASSWORD
from tests.photos import jpeg, photo

pytestmark = pytest.mark.slow


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
    reason = ("--reason", "test: a verified list")
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
        sw(
            "bank", "create", "verified", "--kind", "verified_csam", "--action", "block", *reason
        ).code
        == 0
    )
    assert sw("bank", "add", "verified", str(image), *reason).code == 0
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
