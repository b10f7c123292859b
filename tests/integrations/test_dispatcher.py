"""The outbox dispatcher against a live receiver: delivery, retries, dead letters, leases."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.utils import timezone

from shieldwall.core.actors import Actor
from shieldwall.integrations import outbox, services
from shieldwall.integrations.models import Action, Delivery, DeliveryStatus
from tests.integrations.receiver import Receiver

pytestmark = pytest.mark.django_db


def _register(receiver: Receiver, actor: Actor) -> None:
    _, secret = services.add_endpoint(url=receiver.url, actor=actor)
    receiver.secrets.append(secret)


def _issue(actor: Actor, n: int) -> set[str]:
    return {
        services.issue_action(
            kind="remove_post", subject_id=f"p{i}", reason="csam_hash_match", actor=actor
        ).public_id
        for i in range(n)
    }


def _drain(receiver: Receiver, ids: set[str], timeout: float = 20.0) -> None:
    """Run passes (with the clock moving on) until every id was applied."""
    deadline = time.monotonic() + timeout
    while not ids <= receiver.applied.keys():
        assert time.monotonic() < deadline, "not delivered in time"
        if not outbox.deliver_due(100):
            time.sleep(0.01)


def test_a_delivery_is_signed_and_carries_the_action(actor: Actor, receiver: Receiver) -> None:
    _register(receiver, actor)
    action = services.issue_action(
        kind="remove_post", subject_id="p1", reason="csam_hash_match", note="n", actor=actor
    )
    assert outbox.deliver_due(10) == 1
    [arrival] = receiver.arrivals
    assert arrival.signature_ok
    assert arrival.headers["Content-Type"] == "application/json"
    assert arrival.headers["Shieldwall-Action-Id"] == action.public_id
    assert arrival.body == services.action_body(action)
    assert json.loads(arrival.body) == {
        "id": action.public_id,
        "kind": "remove_post",
        "subject": {"type": "post", "id": "p1"},
        "reason": "csam_hash_match",
        "note": "n",
        "created_at": services.format_time(action.created_at),
    }
    d = Delivery.objects.get()
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.DELIVERED, 1, 204)
    assert d.lease_until is None
    assert d.delivered_at is not None
    assert outbox.deliver_due(10) == 0  # nothing is sent twice


def test_failures_are_retried_with_backoff_then_delivered_once_in_effect(
    actor: Actor, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "BACKOFF_BASE", 0.05)
    _register(receiver, actor)
    receiver.fail_until = time.time() + 0.6
    ids = _issue(actor, 5)
    _drain(receiver, ids)
    assert all(receiver.accepted[i] == 1 for i in ids)
    failed = [a for a in receiver.arrivals if a.at < receiver.fail_until]
    assert failed, "the receiver never failed"
    rows = list(Delivery.objects.all())
    assert {r.status for r in rows} == {DeliveryStatus.DELIVERED}
    assert all(r.attempts >= 2 for r in rows)
    # The same bytes on every attempt, so the receiver can trust the id.
    for action_id in ids:
        assert len({a.body for a in receiver.arrivals if a.action_id == action_id}) == 1


def test_backoff_is_full_jitter_exponential_and_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    for attempts, ceiling in ((1, 1.0), (2, 2.0), (5, 16.0), (12, 2048.0), (20, 3600.0)):
        samples = [outbox.backoff(attempts) for _ in range(300)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.5  # spread over the whole range, not fixed


def test_receiver_down_then_up(actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "BACKOFF_BASE", 0.05)
    receiver = Receiver().start()
    port = receiver.port
    _register(receiver, actor)
    receiver.stop()
    ids = _issue(actor, 3)
    assert outbox.deliver_due(10) == 3
    d = Delivery.objects.first()
    assert d is not None
    assert d.status == DeliveryStatus.PENDING
    assert d.last_status_code is None
    assert "Connect" in d.last_error
    again = Receiver(secrets=receiver.secrets).start(port)
    try:
        _drain(again, ids)
    finally:
        again.stop()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_after_max_attempts_dead_then_retried_from_the_staff_page(
    actor: Actor, receiver: Receiver, fast_retries: None, admin_client: object
) -> None:
    _register(receiver, actor)
    receiver.status = 503
    action = services.issue_action(kind="remove_media", subject_id="m1", reason="r", actor=actor)
    deadline = time.monotonic() + 10
    while Delivery.objects.get().status != DeliveryStatus.DEAD:
        assert time.monotonic() < deadline
        outbox.deliver_due(10)
        time.sleep(0.01)
    d = Delivery.objects.get()
    assert d.attempts == outbox.MAX_ATTEMPTS == len(receiver.arrivals)
    assert d.last_status_code == 503
    assert d.last_error.startswith("HTTP 503")
    assert outbox.deliver_due(10) == 0  # dead rows are not sent

    from django.test import Client

    assert isinstance(admin_client, Client)
    page = admin_client.get("/staff/webhooks/dead")
    assert page.status_code == 200
    assert action.public_id.encode() in page.content
    assert b"HTTP 503" in page.content
    receiver.status = 200
    response = admin_client.post("/staff/webhooks/dead", {"delivery": [str(d.pk)]})
    assert response.status_code == 302
    _drain(receiver, {action.public_id})
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED
    assert action.public_id.encode() not in admin_client.get("/staff/webhooks/dead").content


def test_a_leased_delivery_is_not_claimed_again_until_its_lease_runs_out(
    actor: Actor, receiver: Receiver
) -> None:
    _register(receiver, actor)
    _issue(actor, 1)
    [held] = outbox.claim(10, lease_seconds=60)  # a dispatcher that then dies
    assert outbox.claim(10) == []
    Delivery.objects.update(lease_until=timezone.now())  # its lease runs out
    [again] = outbox.claim(10)
    assert again.delivery_id == held.delivery_id
    assert again.token != held.token
    assert again.attempts == 2
    # The dead dispatcher's late failure cannot overwrite the new holder's state.
    outbox.record(held, outbox.Outcome(False, 500, "HTTP 500"))
    d = Delivery.objects.get()
    assert d.lease_token == again.token
    assert d.last_status_code is None
    outbox.record(again, outbox.post(outbox.new_client(), again))
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_deliveries_to_a_disabled_endpoint_wait(actor: Actor, receiver: Receiver) -> None:
    _register(receiver, actor)
    _issue(actor, 2)
    services.disable_endpoint(endpoint=receiver.url, actor=actor)
    assert outbox.deliver_due(10) == 0
    assert receiver.arrivals == []


def test_rotated_secret_both_signatures_verify(actor: Actor, receiver: Receiver) -> None:
    endpoint, old = services.add_endpoint(url=receiver.url, actor=actor)
    services.rotate_secret(endpoint=str(endpoint.pk), actor=actor)
    receiver.secrets = [old]  # a receiver not yet switched still verifies
    _issue(actor, 1)
    outbox.deliver_due(10)
    [arrival] = receiver.arrivals
    assert arrival.signature_ok
    assert arrival.headers["Shieldwall-Signature"].count("v1=") == 2


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_never_send_the_same_delivery_at_once(
    actor: Actor, receiver: Receiver
) -> None:
    _register(receiver, actor)
    receiver.delay = 0.005
    ids = _issue(actor, 150)
    stop = threading.Event()
    threads = [
        threading.Thread(target=outbox.run_dispatcher, args=(stop,), name=f"dispatcher-{n}")
        for n in range(2)
    ]
    for t in threads:
        t.start()
    try:
        assert receiver.wait_for(ids, timeout=60)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=20)
    assert not any(t.is_alive() for t in threads)
    assert receiver.overlaps == []
    assert len(receiver.arrivals) == 150  # no failures, so each sent exactly once
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert Action.objects.count() == 150


@pytest.mark.django_db(transaction=True)
def test_run_dispatcher_delivers_new_actions_quickly_and_stops(
    actor: Actor, receiver: Receiver
) -> None:
    _register(receiver, actor)
    stop = threading.Event()
    thread = threading.Thread(target=outbox.run_dispatcher, args=(stop,))
    thread.start()
    try:
        for _ in range(5):
            issued = time.time()
            [action_id] = _issue(actor, 1)
            assert receiver.wait_for({action_id}, timeout=5)
            arrival = next(a for a in receiver.arrivals if a.action_id == action_id)
            assert arrival.at - issued < 1.0
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()


def test_the_sdk_verifies_what_the_dispatcher_sends(actor: Actor, receiver: Receiver) -> None:
    from shieldwall_client import verify_webhook

    endpoint, old = services.add_endpoint(url=receiver.url, actor=actor)
    _, new = services.rotate_secret(endpoint=str(endpoint.pk), actor=actor)
    receiver.secrets = [new]
    action = services.issue_action(
        kind="suppress_hashtag", subject_id="placeholdertag", reason="seller_tag", actor=actor
    )
    outbox.deliver_due(10)
    [arrival] = receiver.arrivals
    for secret in (new, old):  # either side of a rotation
        got = verify_webhook(arrival.body, arrival.headers, secret)
        assert got.id == action.public_id
        assert (got.kind, got.subject.type, got.subject.id) == (
            "suppress_hashtag",
            "hashtag",
            "placeholdertag",
        )
        assert got.created_at == action.created_at
