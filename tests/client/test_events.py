"""The event builders produce the contract's JSON (docs/integration.md, "Events in")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shieldwall_client import Event, events


def test_post_created_has_the_contracts_shape() -> None:
    event = events.post_created(
        "p1",
        "a1",
        "hello #placeholdertag",
        hashtags=["placeholdertag"],
        media_ids=("m1",),
        url="https://example.test/p/p1",
        event_id="evt-0001",
        occurred_at="2026-11-26T12:00:00Z",
    )
    assert json.loads(json.dumps(event.to_json())) == {
        "id": "evt-0001",
        "type": "post.created",
        "occurred_at": "2026-11-26T12:00:00Z",
        "data": {
            "post_id": "p1",
            "account_id": "a1",
            "text": "hello #placeholdertag",
            "hashtags": ["placeholdertag"],
            "media_ids": ["m1"],
            "url": "https://example.test/p/p1",
        },
    }


def test_optional_fields_left_out_are_not_sent_and_given_ones_are() -> None:
    bare = events.post_updated("p1", "a1", "")
    assert bare.type == "post.updated"
    assert bare.data == {
        "post_id": "p1",
        "account_id": "a1",
        "text": "",
        "hashtags": [],
        "media_ids": [],
    }
    full = events.post_created(
        "p2",
        "a1",
        "re",
        reply_to="p1",
        quote_of="p0",
        reshare_of="p9",
        created_at=datetime(2026, 11, 26, 13, 0, tzinfo=timezone(timedelta(hours=1))),
    )
    assert full.data["reply_to"] == "p1"
    assert full.data["quote_of"] == "p0"
    assert full.data["reshare_of"] == "p9"
    assert full.data["created_at"] == "2026-11-26T12:00:00.000000Z"


def test_account_events() -> None:
    created = events.account_created(
        "a1", "someone", display_name="Some One", bio="hi", url="https://example.test/@someone"
    )
    assert created.type == "account.created"
    assert created.data == {
        "account_id": "a1",
        "handle": "someone",
        "display_name": "Some One",
        "bio": "hi",
        "url": "https://example.test/@someone",
    }
    updated = events.account_updated("a1", "someone_else")
    assert updated.type == "account.updated"
    assert updated.data == {"account_id": "a1", "handle": "someone_else"}


def test_post_deleted_media_attached_and_metrics() -> None:
    assert events.post_deleted("p1").data == {"post_id": "p1"}
    assert events.post_deleted("p1").type == "post.deleted"
    media = events.media_attached("m1", "p1", "image")
    assert (media.type, media.data) == (
        "media.attached",
        {"media_id": "m1", "post_id": "p1", "media_type": "image"},
    )
    assert events.media_attached("m1", "p1").data == {"media_id": "m1", "post_id": "p1"}
    metrics = events.post_metrics("p1", views=167_000, reshares=2_223)
    assert (metrics.type, metrics.data) == (
        "post.metrics",
        {"post_id": "p1", "views": 167_000, "reshares": 2_223, "likes": 0},
    )


def test_ids_are_fresh_and_times_are_utc_iso_with_z() -> None:
    before = datetime.now(UTC)
    built = [events.post_deleted("p1") for _ in range(100)]
    after = datetime.now(UTC)
    assert len({e.id for e in built}) == 100
    for event in built:
        assert event.id.startswith("evt_")
        assert event.occurred_at.endswith("Z")
        moment = datetime.fromisoformat(event.occurred_at)
        assert moment.utcoffset() == timedelta(0)
        assert before <= moment <= after
    plain = Event(type="post.deleted", data={"post_id": "p1"})
    assert plain.id.startswith("evt_")
    assert plain.occurred_at.endswith("Z")


def test_times_are_converted_to_utc_and_naive_ones_refused() -> None:
    paris = timezone(timedelta(hours=1))
    event = events.post_deleted("p1", occurred_at=datetime(2026, 11, 26, 13, 0, 0, 5, paris))
    assert event.occurred_at == "2026-11-26T12:00:00.000005Z"
    with pytest.raises(ValueError, match="naive"):
        events.post_deleted("p1", occurred_at=datetime(2026, 11, 26, 12, 0))
    with pytest.raises(ValueError, match="naive"):
        events.account_created("a1", "h", created_at=datetime(2026, 1, 1))


def test_a_string_is_not_taken_for_a_list_of_hashtags() -> None:
    with pytest.raises(TypeError, match="sequences"):
        events.post_created("p1", "a1", "t", hashtags="placeholdertag")


def test_media_attached_carries_the_address_moderators_load() -> None:
    media = events.media_attached("m1", "p1", "image", url="https://example.test/media/m1")
    assert media.data["url"] == "https://example.test/media/m1"
