"""Every shortcut the desk lists works for the role it is listed for, and none is listed that
does not: a moderator and a triage user press each listed key in a real browser.

The list is read from the page's own shortcuts dialog (`?`), so a key added to the page
without a check here fails the test, and so does a listed key that does nothing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli_support import Shieldwall
from tests.e2e.browser_support import browser_fixture, screenshot  # noqa: F401  (fixture)
from tests.e2e.desk_support import PASSWORD, _shim_env
from tests.e2e.test_desk_browser import _platform_reports_a_banked_image

pytestmark = pytest.mark.slow

TRIAGE = """
from shieldwall.cli import _setup
_setup()
from shieldwall.core.actors import cli_actor
from shieldwall.core.staff import create_staff_user
create_staff_user(username="tri", roles=["triage"], actor=cli_actor(), password=%r)
"""
SPAM_PATH = [
    {"step": "report_post", "option": "start"},
    {"step": "who_affected", "option": "everyone"},
    {"step": "what_happening", "option": "spam"},
    {"step": "review", "option": "submit"},
]
HASHTAG_PATH = [
    {"step": "report_hashtag", "option": "start"},
    {"step": "who_affected", "option": "everyone"},
    {"step": "what_happening", "option": "spam"},
    {"step": "review", "option": "submit"},
]


def _report(base: str, key: str, n: int, subject: dict[str, Any], path: list[Any]) -> None:
    body = {"idempotency_key": f"keys-{n}", "subject": subject, "path": path}
    r = httpx.post(
        f"{base}/api/v1/reports",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text


def _listed(page: Any) -> list[str]:
    """The shortcuts the page's dialog lists, opened and closed with the keyboard."""
    page.keyboard.press("?")
    page.locator("dialog#shortcuts").wait_for(state="visible")
    ids = page.locator("dialog#shortcuts tr[data-shortcut]").evaluate_all(
        "rows => rows.map(r => r.dataset.shortcut)"
    )
    page.keyboard.press("Escape")
    page.locator("dialog#shortcuts").wait_for(state="hidden")
    return list(ids)


def _log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/desk/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/desk/")


def _wait_for_cases(page: Any, n: int) -> None:
    deadline = time.monotonic() + 30
    while page.locator("#queue-results tr[data-href]").count() < n:
        assert time.monotonic() < deadline, "the reports never reached the queue"
        time.sleep(0.3)
        page.reload()


def _current(page: Any) -> str:
    return str(page.locator("#queue-results tr.current").get_attribute("data-case"))


def _dialog_opens(page: Any, key: str, dialog: str) -> None:
    page.keyboard.press(key)
    page.locator(f"dialog#{dialog}").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.locator(f"dialog#{dialog}").wait_for(state="hidden")


def _check_queue(page: Any, base: str, listed: list[str]) -> None:
    checks: dict[str, Callable[[], None]] = {}

    def j_k() -> None:
        first = _current(page)
        page.keyboard.press("j")
        assert _current(page) != first
        page.keyboard.press("k")
        assert _current(page) == first

    def x() -> None:
        page.keyboard.press("x")
        assert page.locator("#queue-results tr.current input[name=case_ids]").is_checked()
        page.keyboard.press("x")

    def slash() -> None:
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "f-tier"
        page.keyboard.press("Escape")  # leaves the field: keys are shortcuts again
        assert page.evaluate("document.activeElement.tagName") != "SELECT"

    def question() -> None:
        page.keyboard.press("?")
        assert page.locator("dialog#shortcuts").is_visible()
        page.keyboard.press("?")
        assert not page.locator("dialog#shortcuts").is_visible()

    def esc() -> None:
        page.keyboard.press("?")
        page.keyboard.press("Escape")
        assert not page.locator("dialog#shortcuts").is_visible()

    def g_q() -> None:
        page.goto(f"{base}/desk/?tier=1")
        page.keyboard.press("g")
        page.keyboard.press("q")
        page.wait_for_url(f"{base}/desk/")

    def enter() -> None:
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/desk/case/**")

    checks.update({"j/k": j_k, "x": x, "/": slash, "?": question, "Esc": esc, "gq": g_q})
    checks["Enter"] = enter  # last: it leaves the queue
    assert set(listed) <= set(checks), f"listed without a check: {set(listed) - set(checks)}"
    for key, check in checks.items():
        if key in listed:
            check()


def _check_case(page: Any, base: str, listed: list[str]) -> None:
    case_url = page.url

    def decision(key: str) -> Callable[[], None]:
        def check() -> None:
            button = page.locator(f'#decisions button[data-key="{key}"]')
            _dialog_opens(page, key, str(button.get_attribute("data-confirm")))

        return check

    def e() -> None:
        _dialog_opens(page, "e", "escalate-dialog")

    def a() -> None:
        page.keyboard.press("a")
        page.locator("#flash", has_text="Assigned").wait_for()  # no eval: the page has a strict CSP
        assert "a" not in _listed(page)  # done: the list follows the page

    def c() -> None:
        page.keyboard.press("c")
        assert page.evaluate("document.activeElement.id") == "comment-text"
        page.keyboard.press("Escape")

    def v() -> None:
        page.keyboard.press("v")
        page.locator(".tile.revealed").first.wait_for()

    def question() -> None:
        page.keyboard.press("?")
        assert page.locator("dialog#shortcuts").is_visible()
        page.keyboard.press("?")
        assert not page.locator("dialog#shortcuts").is_visible()

    def esc() -> None:
        page.keyboard.press("?")
        page.keyboard.press("Escape")
        assert not page.locator("dialog#shortcuts").is_visible()

    def g_q() -> None:
        page.keyboard.press("g")
        page.keyboard.press("q")
        page.wait_for_url(f"{base}/desk/")
        page.goto(case_url)

    checks: dict[str, Callable[[], None]] = {k: decision(k) for k in "rmshn"}
    checks.update({"e": e, "c": c, "v": v, "?": question, "Esc": esc, "gq": g_q, "a": a})
    assert set(listed) <= set(checks), f"listed without a check: {set(listed) - set(checks)}"
    for key, check in checks.items():
        if key in listed:
            check()


def test_each_listed_shortcut_works_for_a_moderator_and_for_triage(
    browser: Any, desk: tuple[str, str], sw: Shieldwall, tmp_path: Path
) -> None:
    base, key = desk
    (tmp_path / "triage").mkdir()
    made = subprocess.run(
        [sys.executable, "-c", TRIAGE % PASSWORD],
        env=_shim_env(sw, tmp_path / "triage"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    post = _platform_reports_a_banked_image(sw, base, key, tmp_path)  # CSE, verified match
    _report(base, key, 2, {"type": "post", "id": "post-78", "has_media": False}, SPAM_PATH)
    _report(base, key, 3, {"type": "hashtag", "id": "placeholdertag"}, HASHTAG_PATH)

    for username in ("mo", "tri"):
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            _log_in(page, base, username)
            _wait_for_cases(page, 3)
            queue_keys = _listed(page)
            assert {"j/k", "Enter", "/", "gq", "?", "Esc"} <= set(queue_keys)
            assert "x" not in queue_keys  # neither role selects cases in bulk
            _check_queue(page, base, queue_keys)
            assert post in page.locator(".case-head").inner_text()  # the CSE case comes first
            case_keys = _listed(page)
            if username == "mo":
                assert {"r", "m", "s", "n", "e", "a", "c", "v"} <= set(case_keys)
                assert "h" not in case_keys  # a post case has no hashtag to suppress
            else:
                assert set(case_keys) == {"e", "gq", "?", "Esc"}
            screenshot(page, f"desk-keys-{username}")
            _check_case(page, base, case_keys)
            if username == "mo":  # the hashtag case lists h, and h opens its decision
                page.goto(f"{base}/desk/?category=spam")
                row = page.locator("#queue-results tr[data-href]", has_text="placeholdertag")
                row.locator("a.case-link").click()
                page.wait_for_url(f"{base}/desk/case/**")
                hashtag_keys = _listed(page)
                assert "h" in hashtag_keys
                assert not {"r", "m", "s", "v"} & set(hashtag_keys)
                _check_case(page, base, hashtag_keys)
        finally:
            context.close()
