"""The public /report page: anonymous for child sexual exploitation, contact otherwise."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.reports.models import Report
from tests.subjects.platform import HOST, register

pytestmark = pytest.mark.django_db

START = {
    "subject_url": f"https://{HOST}/p/p1",
    "subject_type": "post",
    "has_media": "yes",
    "token": "tok-1",
}


def _walk(client: Client, options: list[str], final: dict | None = None, token: str = "tok-1"):  # type: ignore[no-untyped-def]
    """Post each chosen option, carrying the path the page hands back; return the last page."""
    start = {**START, "token": token}
    page = client.post("/report", start)
    for n, option in enumerate(options):
        path = page.context["path"]
        data = {**start, "path": path, "option": option}
        if n == len(options) - 1 and final:
            data.update(final)
        page = client.post("/report", data)
    return page


@pytest.fixture(autouse=True)
def _no_rate_state() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _platform(actor: Actor) -> None:
    register(actor)


def test_anonymous_cse_report_walks_the_story_path() -> None:
    client = Client()
    start = client.get("/report")
    assert start.status_code == 200
    assert b"Paste" in start.content or b"Link to the post" in start.content
    intro = client.post("/report", START)
    assert intro.context["step"].prompt == "Report post"
    assert b"Start report" in intro.content
    page = _walk(client, ["start", "someone_else", "sensitive", "cse"])
    assert page.context["step"].prompt == "You are reporting child sexual exploitation"
    assert b"Yes, continue" in page.content
    page = _walk(client, ["start", "someone_else", "sensitive", "cse", "yes"])
    assert page.context["step"].id == "review"
    assert b"Add more context" in page.content
    done = _walk(
        client,
        ["start", "someone_else", "sensitive", "cse", "yes", "submit"],
        {"cse_reason": "selling_or_soliciting", "context": "placeholder context"},
    )
    assert done.status_code == 200
    assert b"Done" in done.content
    report = Report.objects.get()
    assert (report.category, report.cse_reason, report.anonymous, report.source) == (
        "child_sexual_exploitation",
        "selling_or_soliciting",
        True,
        "public_form",
    )
    assert json.loads(json.dumps(report.path))[-1] == ["review", "submit"]
    # Filed against the post the link names (once the worker finds it), not the raw link.
    assert (report.subject_type, report.subject_id, report.subject_url) == (
        "post",
        "p1",
        START["subject_url"],
    )
    assert report.resolution == "pending"


def test_other_reports_need_contact_details() -> None:
    client = Client()
    page = _walk(client, ["start", "everyone", "spam", "submit"])
    assert page.status_code == 422
    assert b"Give your name and email" in page.content
    assert not Report.objects.exists()
    page = _walk(
        client,
        ["start", "everyone", "spam", "submit"],
        {"reporter_name": "A. Person", "reporter_email": "a@example.test"},
    )
    assert page.status_code == 200
    assert Report.objects.get().reporter_email == "a@example.test"


def test_submissions_are_rate_limited_per_address() -> None:
    from django.conf import settings

    SUBMITS_PER_HOUR = settings.SHIELDWALL.report_submits_per_hour
    client = Client()
    cse = ["start", "me", "sensitive", "cse", "yes", "submit"]
    for n in range(SUBMITS_PER_HOUR):
        assert _walk(client, cse, token=f"tok-{n}").status_code == 200
    page = _walk(client, cse, token="tok-over")
    assert page.status_code == 429
    assert Report.objects.count() == SUBMITS_PER_HOUR


def test_missing_link_is_explained() -> None:
    page = Client().post("/report", {**START, "subject_url": ""})
    assert page.status_code == 422
    assert b"Paste the link" in page.content


def test_back_goes_to_the_previous_question() -> None:
    client = Client()
    page = _walk(client, ["start", "someone_else", "sensitive"])
    assert page.context["step"].id == "sensitive_kind"
    back = client.post("/report", {**START, "path": page.context["path"], "back": "1"})
    assert back.context["step"].id == "what_happening"
