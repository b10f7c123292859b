"""Issuing actions with their outbox rows, endpoints, pulling, acks, permissions."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from shieldwall.core.actors import Actor
from shieldwall.core.errors import Conflict, Forbidden, Invalid, NotFound
from shieldwall.core.models import AuditEvent
from shieldwall.integrations import outbox, services
from shieldwall.integrations.events import IntegrationEvent
from shieldwall.integrations.models import Action, Delivery, DeliveryStatus, WebhookEndpoint
from shieldwall.subjects.kinds import SubjectType

pytestmark = pytest.mark.django_db

NOBODY = Actor(kind="user", name="nobody")


def test_issue_action_creates_one_delivery_per_enabled_endpoint(actor: Actor) -> None:
    a, _ = services.add_endpoint(url="https://a.example.test/hook", actor=actor)
    b, _ = services.add_endpoint(url="https://b.example.test/hook", actor=actor)
    services.disable_endpoint(endpoint=str(b.pk), actor=actor)
    action = services.issue_action(
        kind="remove_post", subject_id="p1", reason="csam_hash_match", actor=actor
    )
    assert re.fullmatch(r"act_[0-9A-HJKMNP-TV-Z]{26}", action.public_id)
    assert action.subject_type == "post"
    assert action.created_by == actor.label
    deliveries = list(Delivery.objects.filter(action=action))
    assert [(d.endpoint_id, d.status) for d in deliveries] == [(a.pk, DeliveryStatus.PENDING)]
    event = AuditEvent.objects.get(action=IntegrationEvent.ACTION_ISSUED)
    assert event.subject_id == action.public_id
    assert event.data["subject_id"] == "p1"


def test_a_rolled_back_decision_leaves_no_action_and_no_delivery(actor: Actor) -> None:
    services.add_endpoint(url="https://a.example.test/hook", actor=actor)

    def decide_then_fail() -> None:
        with transaction.atomic():
            services.issue_action(
                kind="suspend_account", subject_id="a1", reason="solicitation", actor=actor
            )
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        decide_then_fail()
    assert not Action.objects.exists()
    assert not Delivery.objects.exists()
    assert not AuditEvent.objects.filter(action=IntegrationEvent.ACTION_ISSUED).exists()


def test_action_payload_is_the_contract_json(actor: Actor) -> None:
    action = services.issue_action(
        kind="suppress_hashtag", subject_id="placeholdertag", reason="seller_tag", actor=actor
    )
    payload = json.loads(services.action_body(action))
    assert list(payload) == ["id", "kind", "subject", "reason", "note", "created_at"]
    assert payload["subject"] == {"type": "hashtag", "id": "placeholdertag"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", payload["created_at"])
    again = Action.objects.get(pk=action.pk)  # read back: the same bytes on every attempt
    assert services.action_body(again) == services.action_body(action)


def test_ids_sort_by_time_and_are_unique() -> None:
    ids = [services.new_action_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert ids[0][:14] <= ids[-1][:14]  # the millisecond part is non-decreasing


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "delete_everything"}, "invalid_kind"),
        ({"subject_id": ""}, "invalid_subject"),
        ({"subject_id": "x" * 201}, "invalid_subject"),
        ({"reason": "Has Spaces"}, "invalid_reason"),
        ({"reason": ""}, "invalid_reason"),
        ({"note": "n" * 2001}, "invalid_note"),
    ],
)
def test_issue_action_validates(actor: Actor, kwargs: dict[str, str], code: str) -> None:
    args = {"kind": "remove_post", "subject_id": "p1", "reason": "r", **kwargs}
    with pytest.raises(Invalid) as exc:
        services.issue_action(actor=actor, **args)
    assert exc.value.code == code


def test_the_database_refuses_a_kind_with_the_wrong_subject() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(
            public_id="act_x",
            kind="remove_post",
            subject_type=SubjectType.ACCOUNT,
            subject_id="a1",
            reason="r",
            created_at=timezone.now(),
            created_by="test",
        )


@pytest.mark.parametrize(
    "url",
    [
        "https://platform.example.test/hooks",
        "http://127.0.0.1:8001/hooks",
        "http://localhost/hooks",
        "http://[::1]:9000/x",
    ],
)
def test_webhook_urls_accepted(actor: Actor, url: str, settings: Any) -> None:
    # Plain http to loopback hosts the operator allows (SHIELDWALL_ALLOW_PRIVATE_HOSTS).
    settings.SHIELDWALL = dataclasses.replace(
        settings.SHIELDWALL, allow_private_hosts=("127.0.0.1", "localhost", "::1")
    )
    endpoint, secret = services.add_endpoint(url=url, actor=actor)
    assert endpoint.url == url
    assert secret.startswith("whsec_")
    assert len(secret) > 40


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://platform.example.test/hooks", "insecure_url"),
        ("http://10.0.0.5/hooks", "insecure_url"),
        ("ftp://platform.example.test/hooks", "invalid_url"),
        ("file:///etc/passwd", "invalid_url"),
        ("https://user:pw@platform.example.test/", "invalid_url"),
        ("not a url", "invalid_url"),
    ],
)
def test_webhook_urls_refused(actor: Actor, url: str, code: str) -> None:
    with pytest.raises(Invalid) as exc:
        services.add_endpoint(url=url, actor=actor)
    assert exc.value.code == code


def test_one_enabled_endpoint_per_url(actor: Actor) -> None:
    first, _ = services.add_endpoint(url="https://a.example.test/hook", actor=actor)
    with pytest.raises(Conflict):
        services.add_endpoint(url="https://a.example.test/hook", actor=actor)
    services.disable_endpoint(endpoint="https://a.example.test/hook", actor=actor)
    second, _ = services.add_endpoint(url="https://a.example.test/hook", actor=actor)
    assert second.pk != first.pk
    assert services.find_endpoint("https://a.example.test/hook").pk == second.pk
    with pytest.raises(NotFound):
        services.find_endpoint("https://elsewhere.example.test/")


def test_rotation_signs_with_both_secrets_for_a_while(actor: Actor) -> None:
    endpoint, old = services.add_endpoint(url="https://a.example.test/hook", actor=actor)
    now = timezone.now()
    assert outbox.signing_secrets(endpoint, now) == (old,)
    endpoint, new = services.rotate_secret(endpoint=str(endpoint.pk), actor=actor)
    assert new != old
    assert outbox.signing_secrets(endpoint, timezone.now()) == (new, old)
    later = timezone.now() + outbox.ROTATION_OVERLAP + timedelta(seconds=1)
    assert outbox.signing_secrets(endpoint, later) == (new,)
    assert AuditEvent.objects.filter(action=IntegrationEvent.WEBHOOK_ROTATED).count() == 1
    assert old not in json.dumps(list(AuditEvent.objects.values_list("data", flat=True)))


def test_pull_pages_in_creation_order(actor: Actor) -> None:
    made = [
        services.issue_action(kind="remove_media", subject_id=f"m{i}", reason="r", actor=actor)
        for i in range(5)
    ]
    first = services.list_actions(actor=actor, limit=2)
    assert [a.public_id for a in first.actions] == [a.public_id for a in made[:2]]
    second = services.list_actions(actor=actor, after=first.next, limit=2)
    third = services.list_actions(actor=actor, after=second.next, limit=2)
    end = services.list_actions(actor=actor, after=third.next, limit=2)
    got = [a.public_id for page in (first, second, third) for a in page.actions]
    assert got == [a.public_id for a in made]
    assert end.actions == []
    assert end.next == third.next
    with pytest.raises(Invalid):
        services.list_actions(actor=actor, after="abc")
    with pytest.raises(Invalid):
        services.list_actions(actor=actor, limit=0)


def test_ack_last_one_wins_and_each_is_audited(actor: Actor) -> None:
    action = services.issue_action(kind="limit_post", subject_id="p9", reason="r", actor=actor)
    services.ack_action(action_id=action.public_id, status="failed", detail="busy", actor=actor)
    acked = services.ack_action(action_id=action.public_id, status="applied", actor=actor)
    assert (acked.ack_status, acked.ack_detail) == ("applied", "")
    assert AuditEvent.objects.filter(action=IntegrationEvent.ACTION_ACKED).count() == 2
    with pytest.raises(Invalid):
        services.ack_action(action_id=action.public_id, status="done", actor=actor)
    with pytest.raises(NotFound):
        services.ack_action(action_id="act_nope", status="applied", actor=actor)


def test_retry_dead_sets_deliveries_pending_again(actor: Actor) -> None:
    services.add_endpoint(url="https://a.example.test/hook", actor=actor)
    action = services.issue_action(kind="remove_post", subject_id="p1", reason="r", actor=actor)
    Delivery.objects.filter(action=action).update(status=DeliveryStatus.DEAD, attempts=12)
    dead = services.list_dead(actor=actor)
    assert [d.action.public_id for d in dead] == [action.public_id]
    assert services.retry_dead(delivery_ids=[dead[0].pk], actor=actor) == 1
    d = Delivery.objects.get()
    assert (d.status, d.attempts) == (DeliveryStatus.PENDING, 0)
    assert services.retry_dead(delivery_ids=None, actor=actor) == 0
    assert AuditEvent.objects.filter(action=IntegrationEvent.WEBHOOK_DEAD_RETRIED).count() == 1


def test_every_verb_checks_its_permission() -> None:
    with pytest.raises(Forbidden):
        services.issue_action(kind="remove_post", subject_id="p", reason="r", actor=NOBODY)
    with pytest.raises(Forbidden):
        services.add_endpoint(url="https://a.example.test/", actor=NOBODY)
    with pytest.raises(Forbidden):
        services.rotate_secret(endpoint="1", actor=NOBODY)
    with pytest.raises(Forbidden):
        services.disable_endpoint(endpoint="1", actor=NOBODY)
    with pytest.raises(Forbidden):
        services.list_actions(actor=NOBODY)
    with pytest.raises(Forbidden):
        services.ack_action(action_id="act_x", status="applied", actor=NOBODY)
    with pytest.raises(Forbidden):
        services.retry_dead(delivery_ids=None, actor=NOBODY)
    with pytest.raises(Forbidden):
        services.list_dead(actor=NOBODY)
    assert not WebhookEndpoint.objects.exists()
