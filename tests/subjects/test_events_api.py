"""POST /api/v1/events over HTTP: answers, error shape and messages, auth, OpenAPI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from shieldwall.core import roles
from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.subjects.events import SubjectEvent
from shieldwall.subjects.models import Post, ProcessedEvent
from shieldwall.subjects.permissions import SEND_EVENTS
from tests.subjects.builders import event, post

pytestmark = pytest.mark.django_db

URL = "/api/v1/events"


def send(client: Client, body: Any) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json")


def error(response: Any) -> dict:
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]  # type: ignore[no-any-return]


def test_one_event(api: Client) -> None:
    e = post("p1", text="hello #placeholdertag", hashtags=["placeholdertag"], media_ids=["m1"])
    r = send(api, e)
    assert r.status_code == 200, r.content
    assert r.json() == {
        "accepted": 1,
        "duplicates": 0,
        "results": [{"id": e["id"], "status": "accepted"}],
    }
    assert Post.objects.get().text == "hello #placeholdertag"


def test_a_batch_with_a_duplicate(api: Client) -> None:
    first = post("p1")
    send(api, first)
    batch = [first, event("post.metrics", 1, post_id="p1", views=10, reshares=2)]
    r = send(api, {"events": batch})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["accepted"], body["duplicates"]) == (1, 1)
    assert [x["status"] for x in body["results"]] == ["duplicate", "accepted"]


def test_every_event_type_over_http(api: Client) -> None:
    batch = [
        event("account.created", 0, account_id="a1", handle="h", created_at="2026-10-01T00:00:00Z"),
        post("p1", "a1", 1),
        event("post.updated", 2, post_id="p1", account_id="a1", text="t"),
        event("media.attached", 3, media_id="m1", post_id="p1", media_type="image"),
        event("post.metrics", 4, post_id="p1", views=1, reshares=0, likes=0),
        event("account.updated", 5, account_id="a1", handle="h2"),
        event("post.deleted", 6, post_id="p1"),
    ]
    r = send(api, {"events": batch})
    assert r.status_code == 200, r.content
    assert r.json()["accepted"] == 7


def _valid() -> dict[str, Any]:
    return post("p1")


def _with_data(**data: Any) -> dict[str, Any]:
    e = _valid()
    e["data"] = {**e["data"], **data}
    return e


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"events": [_valid(), event("post.created", post_id="p2")]},
            "events.1.data.account_id",
            "events.1.data.account_id: is required",
        ),
        (
            {"events": [_valid(), {**_valid(), "data": {"post_id": 42, "account_id": "a1"}}]},
            "events.1.data.post_id",
            "events.1.data.post_id: input should be a valid string",
        ),
        (
            {"events": [_valid(), _valid(), _valid(), {**_valid(), "type": "post.liked"}]},
            "events.3.type",
            "events.3.type: unknown event type 'post.liked'; expected one of account.created, "
            "account.updated, post.created, post.updated, post.deleted, media.attached, "
            "post.metrics",
        ),
        (
            {"events": [_valid()] * 1001},
            "events",
            "events: a batch holds at most 1000 events; this one has 1001 "
            "(send it in several batches)",
        ),
        (
            {"events": []},
            "events",
            "events: a batch holds 1 to 1000 events, not none",
        ),
        (
            {"events": [_with_data(text="x" * 10_001)]},
            "events.0.data.text",
            "events.0.data.text: string should have at most 10000 characters",
        ),
        (
            {"events": [{**_valid(), "occurred_at": "26/11/2026 12:00"}]},
            "events.0.occurred_at",
            "events.0.occurred_at: is not an ISO 8601 time such as 2026-11-26T12:00:00Z",
        ),
        (
            {"events": [{**_valid(), "occurred_at": "2026-11-26T12:00:00"}]},
            "events.0.occurred_at",
            "events.0.occurred_at: must say its timezone: end it with Z (UTC) or an offset "
            "like +00:00",
        ),
        (
            {"events": [{**_valid(), "occurred_at": "2999-01-01T00:00:00Z"}]},
            "events.0.occurred_at",
            "events.0.occurred_at: is more than a day ahead of Shieldwall's clock "
            "(check the platform's clock)",
        ),
        (
            {"events": [_with_data(hashtags=["fine", "two words"])]},
            "events.0.data.hashtags.1",
            "events.0.data.hashtags.1: contains spaces or control characters",
        ),
        (
            {"events": [_with_data(hashtags=["x"] * 101)]},
            "events.0.data.hashtags",
            "events.0.data.hashtags: list should have at most 100 items, not 101",
        ),
        (
            {"events": [event("post.metrics", post_id="p1", views=-1, reshares=0)]},
            "events.0.data.views",
            "events.0.data.views: input should be greater than or equal to 0",
        ),
        (
            {"events": [{**_valid(), "data": ["p1"]}]},
            "events.0.data",
            "events.0.data: must be an object",
        ),
        ({"events": "all of them"}, "events", "events: must be a list of events"),
        # One event on its own: the path starts at the event.
        (event("post.deleted"), "data.post_id", "data.post_id: is required"),
        ({"type": "post.deleted", "data": {"post_id": "p1"}}, "id", "id: is required"),
    ],
    ids=[
        "missing-field",
        "wrong-type",
        "unknown-type",
        "too-many",
        "empty-batch",
        "text-too-long",
        "bad-timestamp",
        "timestamp-without-zone",
        "timestamp-in-the-future",
        "bad-hashtag",
        "too-many-hashtags",
        "negative-count",
        "data-not-object",
        "events-not-list",
        "single-missing-field",
        "single-missing-id",
    ],
)
def test_invalid_events_are_refused_with_the_field_and_a_message(
    api: Client, body: Any, field: str, message: str
) -> None:
    r = send(api, body)
    assert r.status_code == 422, r.content
    assert error(r) == {"code": "invalid_request", "message": message, "field": field}
    assert not ProcessedEvent.objects.exists()
    assert not Post.objects.exists()


@pytest.mark.parametrize("body", [[1, 2], "text", 5])
def test_a_body_that_is_not_an_event_is_refused(api: Client, body: Any) -> None:
    r = send(api, body)
    assert r.status_code == 422
    assert error(r) == {"code": "invalid_request", "message": "body: must be an event object"}


def test_a_body_that_is_not_json_is_a_400(api: Client) -> None:
    r = api.post(URL, "{not json", content_type="application/json")
    assert r.status_code == 400
    assert error(r)["code"] == "malformed_request"
    assert error(r)["message"].startswith("The request body is not valid JSON")


def test_a_body_over_the_size_limit_is_a_413(api: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = send(api, {"events": [_with_data(text="x" * 2000)]})
    assert r.status_code == 413
    assert error(r)["code"] == "too_large"


@pytest.mark.parametrize("header", [None, "Bearer nope"])
def test_unauthorised_callers_get_401(header: str | None) -> None:
    client = Client(headers={"Authorization": header} if header else {})
    r = send(client, _valid())
    assert r.status_code == 401
    assert error(r)["code"] == "unauthorized"
    assert not Post.objects.exists()


def test_a_key_without_the_permission_gets_403(actor: Actor) -> None:
    from shieldwall.core.apikeys import create_api_key

    _, secret = create_api_key(name="scan-only", actor=actor, scopes=["scan"])
    scan_only = Client(headers={"Authorization": f"Bearer {secret}"})
    r = send(scan_only, {"events": []})  # refused before the body is looked at
    assert r.status_code == 403
    assert error(r)["code"] == "forbidden"
    assert SEND_EVENTS in error(r)["message"]


def test_platform_keys_hold_the_send_events_permission() -> None:
    assert SEND_EVENTS in roles.platform_permissions()


def test_the_admin_role_may_send_events() -> None:
    assert SEND_EVENTS in roles.role_permissions(roles.ADMIN)


def test_one_audit_event_per_http_batch(api: Client) -> None:
    before = AuditEvent.objects.filter(action=SubjectEvent.EVENTS_INGESTED).count()
    send(api, {"events": [post(f"p{n}") for n in range(20)]})
    audits = AuditEvent.objects.filter(action=SubjectEvent.EVENTS_INGESTED)
    assert audits.count() == before + 1
    assert audits.last().actor == "apikey:test-platform"  # type: ignore[union-attr]


def test_the_openapi_document_describes_the_events_body(api: Client) -> None:
    doc = api.get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/events"]["post"]
    assert op["operationId"] == "send_events"
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    text = json.dumps(schema)
    assert "$defs" not in text
    assert '"$ref"' not in text
    single, batch = schema["anyOf"]
    kinds = [branch["properties"]["type"] for branch in single["oneOf"]]
    types = sorted(t for k in kinds for t in k.get("enum", [k.get("const")]))
    assert types == sorted(
        [
            "account.created",
            "account.updated",
            "post.created",
            "post.updated",
            "post.deleted",
            "media.attached",
            "post.metrics",
        ]
    )
    assert batch["properties"]["events"]["maxItems"] == 1000
    assert "200" in op["responses"]
