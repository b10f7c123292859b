"""Tidepool acknowledges what it applies, and the desk says so: a moderator removes a reported
post and one of the posts reported with it; the webhook's answer is the ack.

Real processes throughout (tests/microblog/stack.py): Tidepool's report goes through the SDK,
the moderator works the desk over HTTP, the worker delivers the webhook, Tidepool applies it.
"""

from __future__ import annotations

import re
import time
import uuid

import httpx
import pytest

from shieldwall_client import Client
from tests.microblog.stack import CSRF, Person, Stack
from tests.photos import jpeg, photo

pytestmark = pytest.mark.slow

SPAM = [
    ("report_post", "start"),
    ("who_affected", "everyone"),
    ("what_happening", "spam"),
    ("review", "submit"),
]
ACKS = """
import json, sys
from shieldwall.cli import _setup
_setup()
from shieldwall.integrations.models import Action
print(json.dumps({a.subject_id: a.ack_status for a in Action.objects.filter(kind=sys.argv[1])}))
"""


def _until(what: str, check: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


def _cells(html: str) -> dict[str, tuple[str, str]]:
    """subject id -> (delivery, platform says), from the case page's actions table."""
    out = {}
    for row in re.findall(r'<tr data-action="[^"]+">(.*?)</tr>', html, re.S):
        cells = [
            " ".join(re.sub(r"<[^>]+>", "", c).split())
            for c in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        out[cells[1]] = (cells[3], cells[4])
    return out


def test_a_removal_is_delivered_applied_and_acknowledged_on_the_desk(stack: Stack) -> None:
    with Person(stack.mb_url) as author, Person(stack.mb_url) as reporter:
        author.sign_up("seller_" + uuid.uuid4().hex[:6])
        reporter.sign_up("witness_" + uuid.uuid4().hex[:6])
        main, _ = author.post("for sale #placeholdertag", jpeg(photo("coffee")))
        second, _ = author.post("more for sale #placeholdertag")
        third, _ = author.post("a harmless post")
        assert main
        assert second
        assert third
        assert stack.microblog("flush-events").code == 0  # Shieldwall knows the posts
        with Client(stack.sw_url, api_key=stack.api_key) as sdk:
            sdk.submit_report(
                idempotency_key="ack-e2e-" + uuid.uuid4().hex,
                subject_type="post",
                subject_id=main,
                has_media=True,
                path=SPAM,
                fields={"additional_posts": [second, third]},
                reporter_id="a_reporter",
            )
        desk = stack.staff("mo_" + uuid.uuid4().hex[:6], "moderator")
        queue = lambda: desk.get("/desk/").text  # noqa: E731
        _until("the report never reached the queue", lambda: main in queue())
        case_url = re.search(r'href="(/desk/case/case_[^"]+)"[^>]*>[^<]*</a>', queue())
        assert case_url
        page = desk.get(case_url.group(1)).text
        assert "more for sale #placeholdertag" in page
        assert "a harmless post" in page
        token = CSRF.search(page)
        assert token
        media_id = re.search(r'name="media_id" value="([^"]+)"', page)
        assert media_id
        headers = {"X-CSRFToken": token.group(1), "HX-Request": "true"}
        reveal = desk.post(
            f"{case_url.group(1)}/reveal", data={"media_id": media_id.group(1)}, headers=headers
        )
        assert reveal.status_code == 200
        r = desk.post(
            f"{case_url.group(1)}/decide",
            data={"decision": "removed_post", "choose_posts": "1", "post_ids": [second]},
            headers=headers,
        )
        assert r.status_code == 200, r.text[-2000:]

        _until(
            "the removals never reached Tidepool",
            lambda: all(
                "This post was removed" in author.get(f"/p/{p}").text for p in (main, second)
            ),
        )
        assert "This post was removed" not in author.get(f"/p/{third}").text  # left unticked
        _until(
            "the desk never showed the platform's ack",
            lambda: _cells(desk.get(case_url.group(1)).text).get(second, ("", ""))[1] == "applied",
        )
        cells = _cells(desk.get(case_url.group(1)).text)
        assert cells[main] == ("delivered", "applied")
        assert cells[second] == ("delivered", "applied")
        assert third not in cells
        fragment = desk.get(f"{case_url.group(1)}/actions", headers={"HX-Request": "true"})
        assert "hx-trigger" not in fragment.text  # everything settled: the desk stops polling
        acks = httpx.Response(200, text=stack.shieldwall_python(ACKS, "remove_post")).json()
        assert acks == {main: "applied", second: "applied"}
        desk.close()
