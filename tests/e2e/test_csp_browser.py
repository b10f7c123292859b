"""The desk, the report page, the admin and the API docs work under the strict CSP, and
the browser reports no violation on any of them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import Shieldwall
from tests.e2e.browser_support import browser_fixture, screenshot  # noqa: F401  (fixture)
from tests.e2e.desk_support import PASSWORD
from tests.e2e.test_desk_browser import _platform_reports_a_banked_image

pytestmark = pytest.mark.slow

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def test_no_page_breaks_the_content_security_policy(
    browser: Any,
    desk: tuple[str, str],
    sw: Shieldwall,
    tmp_path: Path,
) -> None:
    base, key = desk
    post = _platform_reports_a_banked_image(sw, base, key, tmp_path)
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(20_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    violations: list[str] = []

    def visit(url: str) -> Any:
        response = page.goto(url)
        assert "script-src 'self'" in response.header_value("content-security-policy")
        return response

    def collect() -> None:
        violations.extend(page.evaluate("window.__csp"))

    try:
        visit(f"{base}/desk/")
        page.get_by_label("Username").fill("mo")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/desk/")
        deadline = time.monotonic() + 30
        while post not in page.locator("#queue-results").inner_text():
            assert time.monotonic() < deadline, "the report never reached the queue"
            time.sleep(0.3)
            page.reload()
        assert page.locator("#queue-results tbody tr").first.evaluate(
            "el => el.classList.contains('current')"
        )  # desk.js ran
        # The live counts poll by themselves (every 10 s), with no eval under the CSP.
        with page.expect_response(lambda r: "/desk/counts" in r.url, timeout=15_000) as polled:
            pass
        assert polled.value.status == 200
        collect()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/desk/case/**")
        page.keyboard.press("Shift+?")
        page.locator("dialog#shortcuts").wait_for(state="visible")
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Reveal").first.click()  # an htmx swap
        page.locator("figure.tile.revealed").first.wait_for()
        colour = page.get_by_role("button", name="Colour")
        if colour.count():
            colour.first.click()
        screenshot(page, "csp-desk-case")
        collect()

        visit(f"{base}/report")
        page.locator("#subject_url").fill("https://example.test/p/1")
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()
        assert page.locator("main").evaluate("el => getComputedStyle(el).maxWidth") != "none"
        collect()

        visit(f"{base}/admin/login/?next=/admin/")
        collect()
        visit(f"{base}/api/v1/docs")
        page.locator("#swagger-ui .info").wait_for()  # Swagger UI rendered from our static
        collect()
    finally:
        context.close()
    assert violations == []
    assert [m for m in console if "Content Security Policy" in m or "Refused to" in m] == []
