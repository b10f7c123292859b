"""Staff sign-in pauses per account and per address; the page says so; it is audited."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.core.events import CoreEvent
from shieldwall.core.models import AuditEvent, RateWindow
from shieldwall.core.staff import create_staff_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-desk-password-1"
PAUSED = b"Sign-in is paused after too many failed attempts. Try again in 15 minutes."


@pytest.fixture
def mo(actor: Actor) -> str:
    create_staff_user(username="mo", roles=["moderator"], actor=actor, password=PASSWORD)
    return "mo"


def _login(client: Client, username: str, password: str, *, address: str = "198.51.100.7"):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def address_limit(settings: object) -> int:
    """A smaller per-address limit than the default 20, so the test hashes fewer passwords."""
    settings.SHIELDWALL = dataclasses.replace(  # type: ignore[attr-defined]
        settings.SHIELDWALL,  # type: ignore[attr-defined]
        login_failures_per_address=7,
    )
    return 7


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def _let_the_pause_pass() -> None:
    """Move every window back by the cool-off, as 15 minutes passing would."""
    for w in RateWindow.objects.all():
        RateWindow.objects.filter(key=w.key).update(started_us=w.started_us - 15 * 60 * 10**6)


def test_five_failures_pause_the_account_even_for_the_right_password(mo: str) -> None:
    client = Client()
    for _ in range(4):
        page = _login(client, mo, "wrong-password-guess")
        assert page.status_code == 200
        assert b"didn't match" in page.content
    fifth = _login(client, mo, "wrong-password-guess")
    assert fifth.status_code == 429
    assert PAUSED in fifth.content
    right = _login(client, mo, PASSWORD)
    assert right.status_code == 429
    assert PAUSED in right.content
    assert not _signed_in(client)
    event = AuditEvent.objects.get(action=CoreEvent.LOGIN_PAUSED)
    assert (event.subject_type, event.subject_id) == ("user", "mo")
    assert event.data == {"by": ["account"], "address": "198.51.100.7", "minutes": 15}
    # From another address too: the account is paused, wherever the guesses come from.
    assert _login(Client(), mo, PASSWORD, address="203.0.113.5").status_code == 429


def test_the_pause_ends_after_the_cool_off(mo: str) -> None:
    client = Client()
    for _ in range(5):
        _login(client, mo, "wrong-password-guess")
    for _ in range(3):  # attempts during the pause are not counted and do not extend it
        assert _login(client, mo, "wrong-password-guess").status_code == 429
    _let_the_pause_pass()
    page = _login(client, mo, PASSWORD)
    assert page.status_code == 302
    assert _signed_in(client)
    assert AuditEvent.objects.filter(action=CoreEvent.LOGIN_PAUSED).count() == 1


def test_a_pause_says_nothing_about_whether_the_account_exists(mo: str) -> None:
    pages = {}
    for username, address in (("mo", "198.51.100.7"), ("nobody-here", "198.51.100.8")):
        client = Client()
        for _ in range(5):
            page = _login(client, username, "wrong-password-guess", address=address)
        pages[username] = (page.status_code, PAUSED in page.content)
    assert pages["mo"] == pages["nobody-here"] == (429, True)
    unknown = AuditEvent.objects.get(action=CoreEvent.LOGIN_PAUSED, subject_id="")
    assert unknown.data["by"] == ["account"]


def test_failures_from_one_address_pause_it_for_every_account(mo: str, address_limit: int) -> None:
    client = Client()
    for n in range(address_limit):
        _login(client, f"guess-{n}", "wrong-password-guess")
    page = _login(client, mo, PASSWORD)
    assert (page.status_code, PAUSED in page.content) == (429, True)
    assert AuditEvent.objects.get(action=CoreEvent.LOGIN_PAUSED).data["by"] == ["address"]
    # Someone else, elsewhere, signs in as usual.
    other = Client()
    assert _login(other, mo, PASSWORD, address="203.0.113.5").status_code == 302


def test_behind_a_trusted_proxy_each_client_is_paused_on_its_own(
    mo: str, settings: object, address_limit: int
) -> None:
    settings.SHIELDWALL = dataclasses.replace(  # type: ignore[attr-defined]
        settings.SHIELDWALL,  # type: ignore[attr-defined]
        trusted_proxies=(ipaddress.ip_network("192.0.2.0/24"),),
    )
    guesser = Client(HTTP_X_FORWARDED_FOR="198.51.100.66")
    for n in range(address_limit):
        _login(guesser, f"guess-{n}", "wrong", address="192.0.2.1")
    assert _login(guesser, "mo", PASSWORD, address="192.0.2.1").status_code == 429
    colleague = Client(HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert _login(colleague, mo, PASSWORD, address="192.0.2.1").status_code == 302


def test_the_admin_sign_in_is_paused_alike(actor: Actor) -> None:
    create_staff_user(
        username="root", roles=["admin"], actor=actor, password=PASSWORD, superuser=True
    )
    client = Client()
    for _ in range(5):
        client.post(
            "/admin/login/",
            {"username": "root", "password": "nope-nope-nope"},
            REMOTE_ADDR="1.2.3.4",
        )
    page = client.post(
        "/admin/login/", {"username": "root", "password": PASSWORD}, REMOTE_ADDR="1.2.3.4"
    )
    assert PAUSED in page.content
    assert not _signed_in(client)


def test_a_successful_sign_in_clears_the_accounts_failures(mo: str) -> None:
    client = Client()
    for _ in range(4):
        _login(client, mo, "wrong-password-guess")
    assert _login(client, mo, PASSWORD).status_code == 302
    for _ in range(4):  # four more would have been nine
        assert _login(Client(), mo, "wrong-password-guess").status_code == 200


def test_an_operator_lifts_an_accounts_pause_and_it_is_audited(mo: str, actor: Actor) -> None:
    from shieldwall.core.logins import lift_pause

    for _ in range(5):
        _login(Client(), mo, "wrong-password-guess", address="203.0.113.9")
    client = Client()
    assert _login(client, mo, PASSWORD).status_code == 429  # someone keeps mo paused
    lift_pause(username=mo, actor=actor)
    assert _login(client, mo, PASSWORD).status_code == 302
    assert _signed_in(client)
    assert AuditEvent.objects.filter(action=CoreEvent.LOGIN_UNPAUSED, subject_id="mo").count() == 1
