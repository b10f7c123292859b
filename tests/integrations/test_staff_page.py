"""/staff/webhooks/dead: staff with the webhook permission only, a real table, CSRF on retry."""

from __future__ import annotations

import pytest
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.core.staff import create_staff_user
from shieldwall.integrations import services
from shieldwall.integrations.events import IntegrationEvent
from shieldwall.integrations.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead(actor: Actor) -> Delivery:
    services.add_endpoint(url="https://platform.example.test/hook", actor=actor)
    action = services.issue_action(kind="remove_post", subject_id="p7", reason="r", actor=actor)
    Delivery.objects.filter(action=action).update(
        status=DeliveryStatus.DEAD, attempts=12, last_error="HTTP 500: <b>oops</b>"
    )
    return Delivery.objects.get(action=action)


def _client(actor: Actor, *, roles: list[str], superuser: bool = False) -> Client:
    user, _ = create_staff_user(
        username="staff1", roles=roles, actor=actor, superuser=superuser, password="x" * 8 + "Q7!zk"
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_login_is_required(dead: Delivery) -> None:
    r = Client().get("/staff/webhooks/dead")
    assert r.status_code == 302
    assert "/accounts/login/" in r["Location"]


def test_staff_without_the_permission_are_refused(actor: Actor, dead: Delivery) -> None:
    client = _client(actor, roles=["moderator"])
    assert client.get("/staff/webhooks/dead").status_code == 403
    assert client.post("/staff/webhooks/dead", {"delivery": [dead.pk]}).status_code == 403


def test_lists_dead_deliveries_in_an_accessible_table(actor: Actor, dead: Delivery) -> None:
    client = _client(actor, roles=["admin"], superuser=True)
    page = client.get("/staff/webhooks/dead")
    html = page.content.decode()
    assert page.status_code == 200
    assert dead.action.public_id in html
    assert "https://platform.example.test/hook" in html
    assert '<th scope="col">Last error</th>' in html
    assert f'<label for="delivery-{dead.pk}"' in html
    assert "&lt;b&gt;oops&lt;/b&gt;" in html  # escaped, never rendered
    assert "http" not in html.split("<body>")[0].replace("http-equiv", "")  # no CDN assets


def test_retry_needs_the_csrf_token_and_is_audited(actor: Actor, dead: Delivery) -> None:
    client = _client(actor, roles=["admin"], superuser=True)
    assert client.post("/staff/webhooks/dead", {"delivery": [dead.pk]}).status_code == 403
    page = client.get("/staff/webhooks/dead")
    token = page.context["csrf_token"]
    r = client.post("/staff/webhooks/dead", {"delivery": [dead.pk], "csrfmiddlewaretoken": token})
    assert r.status_code == 302
    d = Delivery.objects.get(pk=dead.pk)
    assert (d.status, d.attempts) == (DeliveryStatus.PENDING, 0)
    assert (
        AuditEvent.objects.get(action=IntegrationEvent.WEBHOOK_DEAD_RETRIED).actor == "user:staff1"
    )
    follow = client.get("/staff/webhooks/dead")
    assert b"1 deliveries will be retried now." in follow.content
    assert b"No dead deliveries." in follow.content
