"""Every Shieldwall page: a strict CSP, no-store where it shows private data, secure cookies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.core.staff import create_staff_user

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "shieldwall"
PASSWORD = "a-long-desk-password-1"


@pytest.mark.parametrize("path", ["/accounts/login/", "/report", "/admin/login/", "/desk/"])
def test_pages_carry_a_strict_csp_and_are_not_stored(path: str) -> None:
    page = Client().get(path, follow=True)
    assert page.status_code == 200
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert page["Cache-Control"] == "no-store"


def test_api_answers_are_not_given_a_page_policy(api: Client) -> None:
    r = api.get("/api/v1/banks")
    assert r["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in r


def test_staff_sessions_are_secure_short_and_end_with_the_browser(actor: Actor) -> None:
    create_staff_user(username="mo", roles=["moderator"], actor=actor, password=PASSWORD)
    client = Client()
    page = client.post("/accounts/login/", {"username": "mo", "password": PASSWORD}, secure=True)
    assert page.status_code == 302
    cookie = page.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert not cookie["expires"]  # gone when the browser closes
    assert not cookie["max-age"]
    assert client.session.get_expiry_age() == 8 * 3600
    assert page.cookies[settings.CSRF_COOKIE_NAME]["secure"] is True


def test_hsts_on_https() -> None:
    assert "Strict-Transport-Security" not in Client().get("/report")
    hsts = Client().get("/report", secure=True)["Strict-Transport-Security"]
    assert hsts == "max-age=31536000"


INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)


def test_no_template_holds_inline_script_style_or_handlers() -> None:
    templates = sorted(SRC.glob("*/templates/**/*.html"))
    assert len(templates) > 10
    offenders = [
        f"{t.relative_to(SRC)}: {m.group(0).strip()}"
        for t in templates
        for m in INLINE.finditer(t.read_text())
    ]
    assert offenders == []
