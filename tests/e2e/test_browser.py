"""A person in a real browser on the reference microblog, with Shieldwall behind it.

Shieldwall (serve + worker) and the microblog run as processes on fresh homes and
databases; chromium drives the microblog; actions come through Shieldwall's command line
and its signed webhook. Screenshots of the main pages land in artifacts/screenshots/.
"""

from __future__ import annotations

import re
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

TABS = ("Top", "Latest", "Photos", "Videos", "People")
REFUSED = "We couldn't publish this post."


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The processes, with a small seeded world so the pages look like a real platform."""
    with running_stack(tmp_path_factory.mktemp("browser")) as s:
        seeded = s.microblog("seed", "--accounts", "15", "--posts", "30", "--videos", "1")
        assert seeded.code == 0, seeded.err
        yield s


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(20_000)
    yield p
    context.close()


def _sign_up(page: Any, base: str, handle: str) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Display name").fill(handle.replace("_", " ").title())
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{base}/")


def _post(page: Any, base: str, text: str, file: Path | None, alt: str = "") -> None:
    page.goto(f"{base}/")
    page.get_by_label("Post text").fill(text)
    if file is not None:
        page.locator("#id_media").set_input_files(str(file))
        page.get_by_label("Image description (alt text)").fill(alt)
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_load_state()


def _search_ids(page: Any, base: str, query: str, tab: str) -> set[str]:
    page.goto(f"{base}/search?q={query}&tab={tab.lower()}")
    links = page.locator("a.post-time").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return {link.rsplit("/", 1)[1] for link in links}


def test_post_refuse_and_remove_in_a_browser(page: Any, stack: Stack, tmp_path: Path) -> None:
    base = stack.mb_url
    handle = "river_" + uuid.uuid4().hex[:6]
    page.goto(f"{base}/signup")
    screenshot(page, "signup")
    _sign_up(page, base, handle)

    # An ordinary photo is scanned, published, and found on the timeline and in Photos.
    tag = "sunsetwalk"
    ordinary = tmp_path / "harbour.jpg"
    ordinary.write_bytes(jpeg(photo("coffee")))
    _post(page, base, f"Coffee by the harbour #{tag}", ordinary, alt="A cup of coffee")
    page.wait_for_url(re.compile(r"/p/p_[0-9a-f]+$"))
    post_id = page.url.rsplit("/", 1)[1]
    assert page.get_by_role("img", name="A cup of coffee").is_visible()
    screenshot(page, "post")
    page.goto(f"{base}/")
    first = page.locator("article.post").first
    assert post_id in first.locator("a.post-time").get_attribute("href")
    screenshot(page, "home")
    assert post_id in _search_ids(page, base, f"%23{tag}", "Photos")
    screenshot(page, "search-photos")

    # The ⋯ menu is a real menu button: keyboard opens it, Escape closes it.
    button = first.get_by_role("button", name="More options for this post")
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    assert first.get_by_role("menuitem", name="Report post").is_visible()
    screenshot(page, "post-menu")
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"

    # A banked image, and a mirrored copy of it, are refused without saying why.
    reason = ("--reason", "test: known media")
    known = photo("astronaut")
    bank_file = tmp_path / "banked.jpg"
    bank_file.write_bytes(jpeg(known))
    assert (
        stack.sw(
            "bank", "create", "known", "--kind", "platform_removed", "--action", "block", *reason
        ).code
        == 0
    )
    assert stack.sw("bank", "add", "known", str(bank_file), *reason).code == 0
    for name, data in (("same.jpg", jpeg(known)), ("mirror.jpg", EDITS["mirrored"](known))):
        upload = tmp_path / name
        upload.write_bytes(data)
        _post(page, base, "new upload #placeholdertag", upload, alt="A photo")
        flash = page.locator(".flash-error")
        assert flash.inner_text().startswith(REFUSED)
        for word in ("bank", "hash", "match"):
            assert word not in flash.inner_text().lower()
    screenshot(page, "refused")

    # Shieldwall decides to remove the post: it leaves the timeline and every search tab.
    stack.issue("remove_post", post_id)
    deadline = time.monotonic() + 30
    while True:
        page.goto(f"{base}/p/{post_id}")
        if page.get_by_text("This post was removed").is_visible():
            break
        assert time.monotonic() < deadline, "the signed webhook did not arrive"
        time.sleep(0.3)
    screenshot(page, "removed")
    page.goto(f"{base}/")
    hrefs = page.locator("a.post-time").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert f"/p/{post_id}" not in hrefs
    for tab in TABS:
        assert post_id not in _search_ids(page, base, f"%23{tag}", tab), tab
        assert post_id not in _search_ids(page, base, "harbour", tab), tab


def test_mobile_layout_and_tag_page(browser: Any, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        p = context.new_page()
        p.goto(f"{stack.mb_url}/")
        assert p.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(p, "home-mobile")
        p.goto(f"{stack.mb_url}/tag/sunsetwalk")
        assert p.get_by_role("heading", name="#sunsetwalk").is_visible()
        screenshot(p, "tag")
    finally:
        context.close()


def test_a_limited_posts_media_is_not_shown_to_a_logged_out_visitor(
    browser: Any, stack: Stack, tmp_path: Path
) -> None:
    base = stack.mb_url
    member = browser.new_context(viewport={"width": 1280, "height": 900})
    visitor = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = member.new_page()
        page.set_default_timeout(20_000)
        _sign_up(page, base, "tide_" + uuid.uuid4().hex[:6])
        upload = tmp_path / "cup.jpg"
        upload.write_bytes(jpeg(photo("coffee")))
        _post(page, base, "A cup to be limited #placeholdertag", upload, alt="A limited cup")
        page.wait_for_url(re.compile(r"/p/p_[0-9a-f]+$"))
        post_id = page.url.rsplit("/", 1)[1]
        media_src = page.get_by_role("img", name="A limited cup").get_attribute("src")
        assert media_src

        # Shieldwall limits the post while it waits for review (here by its command line).
        stack.issue("limit_post", post_id)
        deadline = time.monotonic() + 30
        while True:
            page.goto(f"{base}/p/{post_id}")
            if page.get_by_text("This post may contain sensitive content").count():
                break
            assert time.monotonic() < deadline, "the signed webhook did not arrive"
            time.sleep(0.3)
        assert page.get_by_role("img", name="A limited cup").count() == 0
        screenshot(page, "limited-interstitial")
        page.get_by_role("link", name="Show this post").click()
        shown = page.get_by_role("img", name="A limited cup")
        shown.wait_for()
        assert page.evaluate("img => img.naturalWidth > 0", shown.element_handle())
        screenshot(page, "limited-shown")

        # Logged out: not on the timeline, its page is "not available", its media answers 404.
        outside = visitor.new_page()
        outside.set_default_timeout(20_000)
        outside.goto(f"{base}/")
        hrefs = outside.locator("a.post-time").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        assert f"/p/{post_id}" not in hrefs
        response = outside.goto(f"{base}/p/{post_id}?show=1")
        assert response is not None
        assert response.status == 404
        assert outside.get_by_text("This post isn't available").is_visible()
        assert outside.locator("img").count() == 0
        screenshot(outside, "limited-logged-out")
        media = outside.goto(f"{base}{media_src}")
        assert media is not None
        assert media.status == 404
    finally:
        member.close()
        visitor.close()
