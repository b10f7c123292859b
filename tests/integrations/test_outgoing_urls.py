"""Webhooks reach only public hosts or allowed ones: at registration and at every connection."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.core.errors import Invalid
from shieldwall.core.staff import create_staff_user
from shieldwall.integrations import outbox, services
from shieldwall.integrations.models import Delivery, DeliveryStatus, WebhookEndpoint
from tests.egress_support import PUBLIC, FakeDNS
from tests.integrations.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://169.254.169.254/latest/meta-data/iam", "destination_refused"),
        ("https://[fd00:ec2::254]/latest", "destination_refused"),
        ("https://10.0.0.5/hooks", "destination_refused"),
        ("https://192.168.0.10:8443/hooks", "destination_refused"),
        ("https://100.64.1.1/hooks", "destination_refused"),
        ("https://[::ffff:127.0.0.1]/hooks", "destination_refused"),
        ("https://0.0.0.0/hooks", "destination_refused"),
        ("https://lan-box.platform.test/hooks", "destination_refused"),
        ("http://localhost:8001/hooks", "destination_refused"),  # loopback, not allowed
        ("http://10.0.0.5/hooks", "insecure_url"),
    ],
)
def test_private_and_metadata_webhook_urls_are_refused(
    actor: Actor, dns: FakeDNS, url: str, code: str
) -> None:
    dns.names["lan-box.platform.test"] = ["10.20.30.40"]
    with pytest.raises(Invalid) as exc:
        services.add_endpoint(url=url, actor=actor)
    assert (exc.value.code, exc.value.field) == (code, "url")
    assert not WebhookEndpoint.objects.exists()


def test_the_operator_allows_a_private_receiver_by_name(
    actor: Actor, dns: FakeDNS, allow: Any
) -> None:
    dns.names["receiver.lan.test"] = ["10.20.30.40"]
    with pytest.raises(Invalid):
        services.add_endpoint(url="https://receiver.lan.test/hooks", actor=actor)
    allow("receiver.lan.test")
    endpoint, _ = services.add_endpoint(url="https://receiver.lan.test/hooks", actor=actor)
    assert endpoint.url == "https://receiver.lan.test/hooks"


def _one_delivery(actor: Actor) -> Delivery:
    action = services.issue_action(kind="remove_post", subject_id="p1", reason="r", actor=actor)
    return Delivery.objects.get(action=action)


def test_a_name_that_turns_private_after_registration_is_not_connected_to(
    actor: Actor, dns: FakeDNS, receiver: Receiver
) -> None:
    dns.names["hooks.platform.test"] = [PUBLIC]  # public when registered...
    url = f"https://hooks.platform.test:{receiver.port}/hooks/shieldwall"
    services.add_endpoint(url=url, actor=actor)
    delivery = _one_delivery(actor)
    dns.names["hooks.platform.test"] = ["127.0.0.1"]  # ...then pointed at this machine

    assert outbox.deliver_due(10) == 1
    delivery.refresh_from_db()
    assert receiver.arrivals == []
    assert delivery.status == DeliveryStatus.DEAD  # refused destinations are not retried
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("refused: hooks.platform.test (127.0.0.1)")
    assert "loopback" in delivery.last_error


def test_a_receiver_no_longer_allowed_is_refused_at_connect(
    actor: Actor, receiver: Receiver, allow: Any
) -> None:
    _, secret = services.add_endpoint(url=receiver.url, actor=actor)
    receiver.secrets.append(secret)
    first = _one_delivery(actor)
    assert outbox.deliver_due(10) == 1
    first.refresh_from_db()
    assert first.status == DeliveryStatus.DELIVERED

    allow()  # the operator takes 127.0.0.1 off the list
    second = _one_delivery(actor)
    assert outbox.deliver_due(10) == 1
    second.refresh_from_db()
    assert (second.status, len(receiver.arrivals)) == (DeliveryStatus.DEAD, 1)
    assert "127.0.0.1 is a loopback address" in second.last_error
    assert "SHIELDWALL_ALLOW_PRIVATE_HOSTS" in second.last_error


def test_the_dead_letter_page_says_why_a_delivery_was_refused(actor: Actor, dns: FakeDNS) -> None:
    dns.names["hooks.platform.test"] = [PUBLIC]
    services.add_endpoint(url="https://hooks.platform.test/hooks", actor=actor)
    _one_delivery(actor)
    dns.names["hooks.platform.test"] = ["169.254.169.254"]
    outbox.deliver_due(10)
    user, _ = create_staff_user(username="ada", roles=["admin"], actor=actor, superuser=True)
    client = Client()
    client.force_login(user)
    page = client.get("/staff/webhooks/dead").content.decode()
    assert "refused: hooks.platform.test (169.254.169.254) is a cloud metadata address" in page
