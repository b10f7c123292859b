"""The public /report page takes only the platform's own links, and never breaks on bad input."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.reports.models import Report
from shieldwall.reports.views import FORGED
from tests.reports.test_public_page import START, _walk
from tests.subjects.platform import HOST, register

pytestmark = pytest.mark.django_db
CSE = ["start", "someone_else", "sensitive", "cse", "yes", "submit"]


@pytest.fixture(autouse=True)
def _platform(actor: Actor) -> None:
    cache.clear()
    register(actor)


@pytest.mark.parametrize(
    "link",
    [
        "p_27c2aa11bb00",  # a bare post id typed as the link
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "https://elsewhere.example/p/p1",
        f"https://{HOST}@elsewhere.example/p/p1",
        f"ftp://{HOST}/p/p1",
    ],
)
def test_links_that_are_not_the_platforms_are_refused_at_the_first_step(link: str) -> None:
    page = Client().post("/report", {**START, "subject_url": link})
    assert page.status_code == 422
    assert "Paste the full link to a post, account or hashtag on tidepool.example" in (
        page.content.decode()
    )
    assert not Report.objects.exists()


def test_a_forged_link_at_submit_is_refused_too() -> None:
    client = Client()
    page = _walk(client, CSE[:-1])
    forged = {**START, "subject_url": "javascript:alert(1)", "path": page.context["path"]}
    done = client.post("/report", {**forged, "option": "submit"})
    assert done.status_code == 422
    assert b"Paste the full link" in done.content
    assert not Report.objects.exists()


def test_nothing_is_taken_before_the_platform_registers_its_links(actor: Actor) -> None:
    from shieldwall.subjects.models import PlatformProfile
    from shieldwall.subjects.profile import forget_profile

    PlatformProfile.objects.all().delete()
    forget_profile()
    page = Client().post("/report", START)
    assert page.status_code == 422
    assert b"has not told Shieldwall its addresses" in page.content


def test_the_link_decides_what_is_reported() -> None:
    page = Client().post("/report", {**START, "subject_url": f"https://{HOST}/@someone"})
    assert page.context["step"].prompt == "Report account"  # the radio said "post"
    assert page.context["subject"]["subject_type"] == "account"


def test_a_platform_link_no_pattern_fits_is_taken_to_wait_for_triage() -> None:
    client = Client()
    start = {**START, "subject_url": f"https://{HOST}/p/p1/photo/1"}
    page = client.post("/report", start)
    for option in CSE:
        page = client.post("/report", {**start, "path": page.context["path"], "option": option})
    assert page.status_code == 200
    report = Report.objects.get()
    assert (report.subject_id, report.resolution) == ("", "pending")


@pytest.mark.parametrize(
    "path",
    [
        "[" * 100_000 + "]" * 100_000,  # nested 100 k deep
        "[" * 1500 + "]" * 1500,  # under the size bound, over the parser's depth
        json.dumps([["not_a_step", "start"]]),  # a step the flow has not
        json.dumps([["report_post", "start"], ["what_happening", "spam"]]),  # skips a step
        json.dumps([["report_post", "nope"]]),
        json.dumps([["report_post", "start"]] * 31),
        json.dumps({"report_post": "start"}),
        json.dumps([["report_post"]]),
        json.dumps([[1, 2]]),
        json.dumps([["report_post", "x" * 65]]),
        "not json",
        json.dumps([["done", "close"]]),
    ],
)
def test_a_forged_path_goes_back_to_the_start_with_a_message(path: str) -> None:
    page = Client().post("/report", {**START, "path": path, "option": "spam"})
    assert page.status_code == 400
    assert page.templates[0].name == "reports/start.html"
    assert FORGED.encode() in page.content.replace(b"&#x27;", b"'")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("context", "looks bad\x00"),
        ("reporter_name", "A\x00B"),
        ("subject_url", f"https://{HOST}/p/p1\x00"),
        ("token", "tok\x00"),
        ("cse_reason", "\x00"),
    ],
)
def test_nul_characters_are_refused_with_a_clear_message(field: str, value: str) -> None:
    client = Client()
    page = _walk(client, CSE[:-1])
    data = {**START, "path": page.context["path"], "option": "submit", field: value}
    done = client.post("/report", data)
    assert done.status_code == 422
    assert b"NUL" in done.content
    assert not Report.objects.exists()


def test_a_long_link_never_reaches_a_short_column() -> None:
    prefix = f"https://{HOST}/p/"
    too_long = Client().post("/report", {**START, "subject_url": prefix + "x" * 2000})
    assert too_long.status_code == 422
    link = prefix + "x" * (2000 - len(prefix))
    client = Client()
    start = {**START, "subject_url": link}
    page = client.post("/report", start)
    for option in CSE:
        page = client.post("/report", {**start, "path": page.context["path"], "option": option})
    assert page.status_code == 200
    report = Report.objects.get()
    assert (report.subject_id, len(report.subject_url)) == ("", len(link))
