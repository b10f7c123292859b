"""The platform's ack in its webhook answer: read with the delivery, never overwriting one."""

from __future__ import annotations

import json

import pytest

from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.integrations import outbox, services
from shieldwall.integrations.events import IntegrationEvent
from shieldwall.integrations.models import Action, Delivery, DeliveryStatus
from tests.integrations.receiver import Receiver

pytestmark = pytest.mark.django_db


def _register(receiver: Receiver, actor: Actor) -> int:
    endpoint, secret = services.add_endpoint(url=receiver.url, actor=actor)
    receiver.secrets.append(secret)
    return int(endpoint.pk)


def _issue(actor: Actor) -> Action:
    return services.issue_action(
        kind="remove_post", subject_id="p1", reason="csam_hash_match", actor=actor
    )


def test_an_ack_in_the_answer_is_recorded_with_the_delivery(
    actor: Actor, receiver: Receiver
) -> None:
    endpoint_id = _register(receiver, actor)
    receiver.answer = json.dumps({"status": "ignored", "detail": "no post p1"}).encode()
    action = _issue(actor)
    assert outbox.deliver_due(10) == 1
    action.refresh_from_db()
    assert (action.ack_status, action.ack_detail) == ("ignored", "no post p1")
    assert action.acked_at is not None
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED
    event = AuditEvent.objects.get(
        action=IntegrationEvent.ACTION_ACKED, subject_id=action.public_id
    )
    assert event.actor == f"webhook:{endpoint_id}"
    assert event.data == {"status": "ignored", "detail": "no post p1", "via": "webhook_answer"}


def test_a_duplicate_delivery_does_not_overwrite_the_first_ack(
    actor: Actor, receiver: Receiver
) -> None:
    _register(receiver, actor)
    receiver.answer = b'{"status": "applied", "detail": ""}'
    action = _issue(actor)
    outbox.deliver_due(10)
    # The same action sent again (its first answer was lost, say) answers differently now.
    Delivery.objects.update(status=DeliveryStatus.PENDING)
    receiver.answer = b'{"status": "failed", "detail": "second thoughts"}'
    assert outbox.deliver_due(10) == 1
    action.refresh_from_db()
    assert (action.ack_status, action.ack_detail) == ("applied", "")
    assert AuditEvent.objects.filter(action=IntegrationEvent.ACTION_ACKED).count() == 1


def test_an_ack_through_the_api_is_not_overwritten_by_a_late_answer(
    actor: Actor, receiver: Receiver
) -> None:
    _register(receiver, actor)
    receiver.answer = b'{"status": "applied"}'
    action = _issue(actor)
    services.ack_action(action_id=action.public_id, status="failed", detail="db", actor=actor)
    outbox.deliver_due(10)
    action.refresh_from_db()
    assert (action.ack_status, action.ack_detail) == ("failed", "db")


@pytest.mark.parametrize(
    "answer",
    [
        b"",
        b"OK",
        b"<html>thanks</html>",
        b'{"status": "duplicate"}',
        b'{"status": "APPLIED"}',
        b'["applied"]',
        b'{"status": ["applied"]}',
        b'{"status": "applied", "detail": "' + b"x" * 5000 + b'"}',
        b"[" * 100_000,
        b"\xff\xfe\x00",
    ],
)
def test_answers_that_are_no_ack_still_deliver(
    actor: Actor, receiver: Receiver, answer: bytes
) -> None:
    _register(receiver, actor)
    receiver.answer = answer or b" "
    action = _issue(actor)
    assert outbox.deliver_due(10) == 1
    action.refresh_from_db()
    assert action.ack_status == ""
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_an_acks_detail_is_kept_printable_and_short(actor: Actor, receiver: Receiver) -> None:
    _register(receiver, actor)
    detail = "bad\u0000thing\nhappened " + "y" * 1500
    receiver.answer = json.dumps({"status": "failed", "detail": detail, "extra": 1}).encode()
    action = _issue(actor)
    outbox.deliver_due(10)
    action.refresh_from_db()
    assert action.ack_status == "failed"
    assert action.ack_detail.startswith("bad thing happened yyy")
    assert len(action.ack_detail) == services.MAX_ACK_DETAIL
    assert "\x00" not in action.ack_detail


def test_an_error_answer_carries_no_ack(actor: Actor, receiver: Receiver) -> None:
    _register(receiver, actor)
    receiver.status = 500
    receiver.answer = b'{"status": "applied"}'
    action = _issue(actor)
    outbox.deliver_due(10)
    action.refresh_from_db()
    assert action.ack_status == ""
    assert Delivery.objects.get().status == DeliveryStatus.PENDING
