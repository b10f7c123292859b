import pytest
from django.test import Client

from shieldwall.banks.services import create_bank
from shieldwall.core.actors import Actor
from shieldwall.core.staff import create_staff_user

pytestmark = pytest.mark.django_db


def test_admin_shows_the_audit_log_read_only(actor: Actor) -> None:
    admin, _ = create_staff_user(username="ada", roles=["admin"], actor=actor, superuser=True)
    create_bank(name="seen", actor=actor)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/core/auditevent/")
    assert page.status_code == 200
    assert b"bank.create" in page.content
    event_id = page.context["cl"].result_list[0].pk
    assert client.get(f"/admin/core/auditevent/{event_id}/delete/").status_code == 403
    assert client.get("/admin/banks/bank/").status_code == 200


def test_admin_requires_login() -> None:
    response = Client().get("/admin/core/auditevent/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
