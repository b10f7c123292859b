"""A public reporter gets a receipt, is promised nothing they cannot receive, and looks it up."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.reports.models import Report
from tests.reports.test_public_page import _walk
from tests.subjects.platform import register

pytestmark = pytest.mark.django_db
CSE = ["start", "someone_else", "sensitive", "cse", "yes", "submit"]
SPAM = ["start", "everyone", "spam", "submit"]
RECEIPT = re.compile(r'<code id="receipt">([0-9A-Z-]+)</code>')


@pytest.fixture(autouse=True)
def _platform(actor: Actor) -> None:
    cache.clear()
    register(actor)


def _receipt(page: object) -> str:
    match = RECEIPT.search(page.content.decode())  # type: ignore[attr-defined]
    assert match, page.content  # type: ignore[attr-defined]
    return match.group(1)


def _look_up(receipt: str) -> tuple[int, str]:
    page = Client().post("/report/status", {"receipt": receipt})
    return page.status_code, page.content.decode()


def test_an_anonymous_reporter_is_not_promised_an_answer_but_gets_a_receipt() -> None:
    done = _walk(Client(), CSE)
    text = done.content.decode()
    assert done.status_code == 200
    assert "let you know" not in text
    assert "we can't tell you what we decide" in text
    receipt = _receipt(done)
    assert re.fullmatch(r"([0-9A-Z]{4}-){5}[0-9A-Z]{4}", receipt)
    report = Report.objects.get()
    assert receipt not in (report.public_id, report.receipt_hash)  # only its hash is kept
    assert report.receipt_hash


def test_the_status_page_shows_the_status_and_nothing_else() -> None:
    done = _walk(Client(), CSE, {"context": "placeholder context"})
    receipt = _receipt(done)
    status, page = _look_up(receipt.lower().replace("-", " "))  # typed loosely
    assert status == 200
    assert "Received" in page
    for detail in ("tidepool.example", "p1", "exploitation", "placeholder context", "rep_"):
        assert detail not in page
    Report.objects.update(status="actioned")
    assert "we took action" in _look_up(receipt)[1]


def test_wrong_or_guessed_receipts_find_nothing() -> None:
    _walk(Client(), CSE)
    receipt = _receipt(_walk(Client(), CSE, token="tok-2"))
    wrong = ("0" if receipt[0] != "0" else "1") + receipt[1:]
    for guess in (wrong, "", "x" * 5000, Report.objects.first().public_id, "\x00"):  # type: ignore[union-attr]
        status, page = _look_up(guess)
        assert status in (404, 422)
        assert "Received" not in page


def test_sending_the_same_form_twice_shows_the_same_receipt() -> None:
    client = Client()
    first = _receipt(_walk(client, CSE))
    again = _receipt(_walk(client, CSE))
    assert first == again
    assert Report.objects.count() == 1


def test_reporters_who_give_contact_details_get_a_receipt_too() -> None:
    done = _walk(
        Client(),
        SPAM,
        {"reporter_name": "A. Person", "reporter_email": "a@example.test"},
    )
    assert done.status_code == 200
    assert "can't tell you" not in done.content.decode()
    assert _look_up(_receipt(done))[0] == 200
