"""The story, end to end in a real browser: a post with an image is reported as child sexual
exploitation through `⋯` → "Report post", a moderator removes it, and it is gone for good.

Shieldwall (serve + worker) and Tidepool run as processes on fresh homes and databases
(tests/microblog/stack.py); chromium drives Tidepool and Shieldwall's moderator desk. The
removal reaches Tidepool by the signed webhook. Screenshots of each step:
artifacts/screenshots/report-*.png.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_support import browser_fixture, screenshot  # noqa: F401  (fixture)
from tests.microblog.stack import Stack, running_stack
from tests.photos import EDITS, jpeg, photo

pytestmark = pytest.mark.slow

PASSWORD = "correct-horse-battery"
MOD_PASSWORD = "report-flow-moderator-1"
REFUSED = "We couldn't publish this post."
TABS = ("Top", "Latest", "Photos", "Videos", "People")

MODERATOR = """
from shieldwall.cli import _setup
_setup()
from shieldwall.core.actors import cli_actor
from shieldwall.core.staff import create_staff_user
create_staff_user(username="mod", roles=["moderator"], actor=cli_actor(), password=%r)
"""
CASE_OF = """
import json, sys
from shieldwall.cli import _setup
_setup()
import time
from shieldwall.reports.models import Report
deadline = time.monotonic() + 30  # the worker files reports into cases within moments
while Report.objects.filter(filed_at__isnull=True).exists() and time.monotonic() < deadline:
    time.sleep(0.1)
r = Report.objects.get(public_id=sys.argv[1])
print(json.dumps({"case": r.case_link.case.public_id, "category": r.category, "path": r.path,
                  "additional_post_ids": r.additional_post_ids, "context": r.context,
                  "cse_reason": r.cse_reason}))
"""


def _shieldwall_python(stack: Stack, code: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**stack.sw.env, "DJANGO_SETTINGS_MODULE": "shieldwall.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return (proc.stdout.strip().splitlines() or [""])[-1]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("report-flow")) as s:
        seeded = s.microblog("seed", "--accounts", "8", "--posts", "12", "--videos", "0")
        assert seeded.code == 0, seeded.err
        yield s


def _context(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    return context


def _sign_up(page: Any, base: str, handle: str) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Display name").fill(handle.replace("_", " ").title())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{base}/")


def _post(page: Any, base: str, text: str, file: Path | None = None, alt: str = "") -> str:
    """Compose; return the flash message shown (empty when the post page opened)."""
    page.goto(f"{base}/")
    page.get_by_label("Post text").fill(text)
    if file is not None:
        page.locator("#id_media").set_input_files(str(file))
        page.get_by_label("Image description (alt text)").fill(alt)
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_load_state()
    flash = page.locator(".flash-error")
    return flash.inner_text() if flash.count() else ""


def _search_ids(page: Any, base: str, query: str, tab: str) -> set[str]:
    page.goto(f"{base}/search?q={query}&tab={tab.lower()}")
    links = page.locator("a.post-time").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return {link.rsplit("/", 1)[1] for link in links}


def _step(page: Any, heading: str, shot: str) -> None:
    """The step's heading is shown and has the focus; screenshot it."""
    h1 = page.get_by_role("heading", level=1)
    assert h1.inner_text() == heading
    assert page.evaluate("document.activeElement && document.activeElement.id") == (
        "report-heading"
    )
    screenshot(page, f"report-{shot}")


def _remove_at_the_desk(browser: Any, stack: Stack, post_id: str, case_id: str) -> None:
    """A moderator logs in, finds the case at the top of the queue and removes the post."""
    base = stack.sw_url
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(f"{base}/desk/")
        assert "/accounts/login/" in page.url
        page.get_by_label("Username").fill("mod")
        page.get_by_label("Password").fill(MOD_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/desk/")
        top = page.locator("#queue-results tbody tr").first
        assert post_id in top.inner_text()
        screenshot(page, "report-9-desk-queue")
        page.keyboard.press("Enter")  # the top row is highlighted: Enter opens it
        page.wait_for_url(f"{base}/desk/case/{case_id}")
        assert page.get_by_text("Child sexual exploitation").first.is_visible()
        screenshot(page, "report-10-desk-case")
        if page.get_by_role("button", name="Reveal").count():
            # No verified bank match: the moderator looks (v) before deciding.
            page.keyboard.press("v")
            page.locator(".tile.revealed").first.wait_for()
        remove = page.locator('#decisions [data-key="r"]')
        assert remove.is_enabled()
        page.keyboard.press("r")
        page.locator("dialog#confirm-removed_post").wait_for(state="visible")
        screenshot(page, "report-11-desk-confirm")
        page.keyboard.press("Enter")
        page.locator("#decisions .closed-line").wait_for()
        assert "Post removed" in page.locator("#decisions").inner_text()
        screenshot(page, "report-12-desk-decided")
    finally:
        context.close()


def test_cse_report_on_an_image_post_to_removal(browser: Any, stack: Stack, tmp_path: Path) -> None:
    base = stack.mb_url
    tag = "harbourphotos" + uuid.uuid4().hex[:4]
    image = photo("astronaut")
    upload = tmp_path / "portrait.jpg"
    upload.write_bytes(jpeg(image))

    # Someone posts a text post and then a post with an image.
    poster_ctx = _context(browser)
    poster = poster_ctx.new_page()
    poster_handle = "poster_" + uuid.uuid4().hex[:6]
    _sign_up(poster, base, poster_handle)
    assert _post(poster, base, f"Another day at the harbour #{tag}") == ""
    other_post = poster.url.rsplit("/", 1)[1]
    assert _post(poster, base, f"New portrait #{tag}", upload, alt="A portrait") == ""
    poster.wait_for_url(re.compile(r"/p/p_[0-9a-f]+$"))
    post_id = poster.url.rsplit("/", 1)[1]

    # Another person opens it, and reports it through ⋯ → "Report post", step by step.
    ctx = _context(browser)
    page = ctx.new_page()
    _sign_up(page, base, "reporter_" + uuid.uuid4().hex[:6])
    page.goto(f"{base}/p/{post_id}")
    post = page.locator("article.post").first
    post.get_by_role("button", name="More options for this post").click()
    post.get_by_role("menuitem", name="Report post").click()
    page.wait_for_url(f"{base}/p/{post_id}/report")
    _step(page, "Report post", "1-start")
    page.get_by_role("button", name="Start report").click()
    _step(page, "Who is affected?", "2-who")
    for label in ("Me", "Someone else or a specific group of people", "Everyone"):
        assert page.get_by_role("button", name=label, exact=True).is_visible()
    page.get_by_role("button", name="Someone else or a specific group of people").click()
    _step(page, "What is happening?", "3-what")
    page.get_by_role("button", name="Shows sensitive or disturbing content").click()
    _step(page, "What kind of content is it?", "4-kind")
    assert page.get_by_role("button", name="Non-consensual nudity").is_visible()
    # Back returns to the previous step, and forward again.
    page.get_by_role("button", name="Back").click()
    _step(page, "What is happening?", "4b-back")
    page.get_by_role("button", name="Shows sensitive or disturbing content").click()
    page.get_by_role("button", name="Child sexual exploitation").click()
    _step(page, "You are reporting child sexual exploitation", "5-confirm")
    page.get_by_role("button", name="Yes, continue").click()
    _step(page, f"Review your report about @{poster_handle}'s post", "6-review")
    assert page.locator("img").count() == 0  # the reported image is not shown again
    reason = page.get_by_role("group", name="What best describes it?")
    if reason.count():  # shown when the tree says the path recorded this category
        reason.get_by_label("Sexual images or videos of a child").check()
    page.locator("summary", has_text="Add another post").click()
    page.get_by_role("checkbox", name=re.compile("Another day at the harbour")).check()
    page.locator("summary", has_text="Add more context").click()
    page.get_by_label("Add more context").fill("Posted under the harbour tag this morning.")
    screenshot(page, "report-7-review-filled", full_page=True)
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/reports/rep_"))
    _step(page, "Done", "8-done")
    assert page.get_by_text("Thanks for your report").is_visible()
    report_id = page.url.rsplit("/", 1)[1]
    stored = json.loads(_shieldwall_python(stack, CASE_OF, report_id))
    assert stored["category"] == "child_sexual_exploitation"
    assert stored["additional_post_ids"] == [other_post]
    assert stored["context"] == "Posted under the harbour tag this morning."
    assert [step for step, _ in stored["path"]] == [
        "report_post",
        "who_affected",
        "what_happening",
        "sensitive_kind",
        "cse_confirm",
        "review",
    ]
    page.get_by_role("link", name="Your reports").first.click()
    assert page.locator(f'[data-report-id="{report_id}"]').get_by_text("In review").is_visible()

    # A moderator removes the post at the desk.
    _shieldwall_python(stack, MODERATOR % MOD_PASSWORD)
    _remove_at_the_desk(browser, stack, post_id, stored["case"])

    # The signed webhook removes it from Tidepool: the post page, timeline and every tab.
    deadline = time.monotonic() + 30
    while True:
        page.goto(f"{base}/p/{post_id}")
        if page.get_by_text("This post was removed").is_visible():
            break
        assert time.monotonic() < deadline, "the removal did not reach Tidepool"
        time.sleep(0.3)
    screenshot(page, "report-13-removed")
    page.goto(f"{base}/")
    hrefs = page.locator("a.post-time").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert f"/p/{post_id}" not in hrefs
    for tab in TABS:
        assert post_id not in _search_ids(page, base, f"%23{tag}", tab), tab
        assert post_id not in _search_ids(page, base, "portrait", tab), tab
    screenshot(page, "report-14-search-after")

    # The same image, and a mirrored copy of it, can never be posted again.
    for name, data in (("again.jpg", jpeg(image)), ("mirror.jpg", EDITS["mirrored"](image))):
        copy = tmp_path / name
        copy.write_bytes(data)
        shown = _post(poster, base, f"Posting it again #{tag}", copy, alt="A portrait")
        assert shown.startswith(REFUSED), shown
        for word in ("bank", "hash", "match", "known", "report"):
            assert word not in shown.lower()
    screenshot(poster, "report-15-reupload-refused")

    # The reporter sees what was decided.
    deadline = time.monotonic() + 30  # "Your reports" asks Shieldwall every few seconds
    while True:
        page.goto(f"{base}/reports")
        row = page.locator(f'[data-report-id="{report_id}"]')
        if row.get_by_text("We removed it").is_visible():
            break
        assert time.monotonic() < deadline, row.inner_text()
        time.sleep(1)
    screenshot(page, "report-16-your-reports")
    ctx.close()
    poster_ctx.close()


def test_report_account_from_a_profile(browser: Any, stack: Stack) -> None:
    base = stack.mb_url
    ctx = _context(browser)
    try:
        page = ctx.new_page()
        _sign_up(page, base, "viewer_" + uuid.uuid4().hex[:6])
        page.goto(f"{base}/search?q=a&tab=people")
        page.locator("a.person").first.click()
        handle = page.url.rsplit("@", 1)[1]
        page.get_by_role("button", name=f"More options for @{handle}").click()
        page.get_by_role("menuitem", name="Report account").click()
        _step(page, "Report account", "account-1-start")
        page.get_by_role("button", name="Start report").click()
        page.get_by_role("button", name="Me", exact=True).click()
        page.get_by_role("button", name="Spam").click()
        _step(page, f"Review your report about @{handle}'s account", "account-2-review")
        page.get_by_role("button", name="Submit").click()
        _step(page, "Done", "account-3-done")
    finally:
        ctx.close()


def test_report_pages_on_a_phone(browser: Any, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        _sign_up(page, stack.mb_url, "phone_" + uuid.uuid4().hex[:6])
        page.goto(f"{stack.mb_url}/")
        href = page.locator("a.post-time").first.get_attribute("href")
        page.goto(f"{stack.mb_url}{href}/report")
        page.get_by_role("button", name="Start report").click()
        page.get_by_role("button", name="Everyone").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "report-mobile-what")
        # A tampered form (here: the path it carries) gets a friendly page, not an error.
        page.evaluate("document.querySelector('.report-form input[name=path]').value = '[[1]]'")
        page.get_by_role("button", name="Spam").click()
        _step(page, "We couldn't continue your report", "mobile-tampered")
        assert page.get_by_role("link", name="Start again").is_visible()
    finally:
        context.close()
