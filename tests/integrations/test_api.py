"""The pull API as a platform uses it: pages in creation order, acks, JSON errors.

Needs `integrations.pull_actions` in the `actions` scope (the apps' permissions.GRANTS).
"""

from __future__ import annotations

import pytest
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.integrations import services
from shieldwall.integrations.events import IntegrationEvent

pytestmark = pytest.mark.django_db


def _issue(actor: Actor, n: int) -> list[str]:
    return [
        services.issue_action(
            kind="suspend_account", subject_id=f"a{i}", reason="solicitation", actor=actor
        ).public_id
        for i in range(n)
    ]


def test_pages_follow_the_cursor_to_the_end(api: Client, actor: Actor) -> None:
    ids = _issue(actor, 5)
    seen: list[str] = []
    after = ""
    for _ in range(10):
        query = {"limit": "2"} | ({"after": after} if after else {})
        r = api.get("/api/v1/actions", query)
        assert r.status_code == 200, r.content
        page = r.json()
        seen += [a["id"] for a in page["actions"]]
        if not page["actions"]:
            assert page["next"] == after  # an empty page keeps the cursor: poll with it
            break
        after = page["next"]
    assert seen == ids
    assert after
    newer = _issue(actor, 1)
    assert [
        a["id"] for a in api.get("/api/v1/actions", {"after": after}).json()["actions"]
    ] == newer


def test_action_json_is_the_contract(api: Client, actor: Actor) -> None:
    [action_id] = _issue(actor, 1)
    [item] = api.get("/api/v1/actions").json()["actions"]
    action = services.get_action(action_id)
    assert item == services.action_payload(action)
    assert list(item) == ["id", "kind", "subject", "reason", "note", "created_at"]


def test_ack_records_the_result_and_the_last_wins(api: Client, actor: Actor) -> None:
    [action_id] = _issue(actor, 1)
    url = f"/api/v1/actions/{action_id}/ack"
    r = api.post(url, {"status": "failed", "detail": "db down"}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["ack"]["status"] == "failed"
    r = api.post(url, {"status": "applied"}, content_type="application/json")
    body = r.json()
    assert body["id"] == action_id
    assert body["ack"]["status"] == "applied"
    assert body["ack"]["detail"] == ""
    assert body["ack"]["acked_at"].endswith("Z")
    events = AuditEvent.objects.filter(action=IntegrationEvent.ACTION_ACKED, subject_id=action_id)
    assert [e.actor for e in events] == ["apikey:test-platform"] * 2


def test_errors_are_json(api: Client, actor: Actor) -> None:
    r = api.post(
        "/api/v1/actions/act_missing/ack", {"status": "applied"}, content_type="application/json"
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "action_not_found"
    [action_id] = _issue(actor, 1)
    r = api.post(
        f"/api/v1/actions/{action_id}/ack", {"status": "done"}, content_type="application/json"
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "status"
    r = api.get("/api/v1/actions", {"after": "nonsense"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_cursor"
    r = api.get("/api/v1/actions", {"limit": 0})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "limit"
    assert Client().get("/api/v1/actions").status_code == 401
