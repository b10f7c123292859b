"""subjects.reads: what other apps read of accounts, posts, media and reach, as plain values."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shieldwall.core.actors import Actor
from shieldwall.subjects import reads
from shieldwall.subjects.services import ingest_events
from tests.subjects.builders import T0, at, event, post
from tests.subjects.platform import MEDIA_HOST, register

pytestmark = pytest.mark.django_db


def ingest(actor: Actor, *events: dict[str, Any]) -> None:
    ingest_events(events=list(events), actor=actor)


def account(account_id: str, handle: str, minutes: float = 0, **data: Any) -> dict[str, Any]:
    return event("account.created", minutes, account_id=account_id, handle=handle, **data)


def metrics(post_id: str, minutes: float, views: int, reshares: int) -> dict[str, Any]:
    return event("post.metrics", minutes, post_id=post_id, views=views, reshares=reshares)


def test_account_facts_with_its_post_count(actor: Actor) -> None:
    ingest(
        actor,
        account("a1", "seller", display_name="Seller", bio="placeholder bio", created_at=at(0)),
        post("p1", "a1", 1, text="one"),
        post("p2", "a1", 2, text="two"),
        post("p3", "a2", 3, text="someone else's"),
    )
    facts = reads.account_facts("a1")
    assert facts == reads.AccountFacts("a1", "seller", "Seller", "placeholder bio", T0, 2)
    assert reads.account_facts("nobody") is None
    assert reads.account_created_at("a1") == T0
    assert reads.account_created_at("nobody") is None


def test_handles_only_for_accounts_that_have_one(actor: Actor) -> None:
    ingest(actor, account("a1", "seller"), post("p1", "a2", 1, text="placeholder author"))
    assert reads.handles_of(["a1", "a2", "nobody", ""]) == {"a1": "seller"}
    assert reads.handles_of([]) == {}


def test_posts_by_id_carry_their_author_and_deletion(actor: Actor) -> None:
    ingest(
        actor,
        account("a1", "seller"),
        post("p1", "a1", 1, text="first"),
        post("p2", "a1", 2, text="second"),
        event("post.deleted", 3, post_id="p2"),
    )
    found = reads.posts_by_id(["p1", "p2", "unknown"])
    assert set(found) == {"p1", "p2"}
    assert (found["p1"].text, found["p1"].account_id, found["p1"].handle) == (
        "first",
        "a1",
        "seller",
    )
    assert (found["p1"].deleted, found["p2"].deleted) == (False, True)
    assert found["p2"].text == "second"  # the content stays on record
    assert reads.post_facts("unknown") is None
    assert reads.account_of_post("p1") == "a1"
    assert reads.account_of_post("unknown") == ""


def test_reach_keeps_each_posts_newest_samples_oldest_first_in_one_query(
    actor: Actor, django_assert_num_queries: Any
) -> None:
    ingest(
        actor,
        post("p1", "a1", 0, text="x"),
        post("p2", "a1", 0, text="y"),
        *[metrics("p1", n, 100 * n, n) for n in range(1, 6)],
        metrics("p2", 1, 7, 0),
    )
    with django_assert_num_queries(1):
        found = reads.reach_samples(["p1", "p2", "p3"], newest=3)
    assert [s.views for s in found["p1"]] == [300, 400, 500]
    assert found["p1"][0].at == T0 + timedelta(minutes=3)
    assert [(s.views, s.reshares) for s in found["p2"]] == [(7, 0)]
    assert found["p3"] == []


def test_media_addresses_only_on_the_platforms_media_hosts(actor: Actor) -> None:
    register(actor)
    ingest(
        actor,
        post("p1", "a1", 0, text="x"),
        event(
            "media.attached",
            1,
            post_id="p1",
            media_id="m1",
            media_type="image",
            url=f"https://{MEDIA_HOST}/m1.jpg",
        ),
        event(
            "media.attached",
            1,
            post_id="p1",
            media_id="m2",
            media_type="video",
            url="https://elsewhere.example/m2.mp4",
        ),
    )
    facts = reads.media_facts(["m1", "m2", "m3"])
    assert facts["m1"] == reads.MediaFacts("m1", "image", f"https://{MEDIA_HOST}/m1.jpg")
    assert facts["m2"] == reads.MediaFacts("m2", "video", "")  # never loaded from elsewhere
    assert facts["m3"] == reads.MediaFacts("m3", "", "")
    assert reads.post_media_ids(["p1", "p2"]) == {"p1": ["m1", "m2"]}
    assert reads.post_of_media("m1") == "p1"
    assert reads.post_of_media("m3") == ""


def test_kept_hashes_of_a_posts_scanned_media(actor: Actor) -> None:
    from shieldwall.matching.services import scan_bytes
    from tests.photos import jpeg, photo

    ingest(actor, post("p1", "a1", 0, text="x"))
    scan_bytes(data=jpeg(photo("coffee")), actor=actor, media_id="m1", post_id="p1")
    kept = reads.media_hashes(["m1", "never-scanned"])
    assert set(kept) == {"m1"}
    hashes = kept["m1"]
    assert (len(hashes.md5), len(hashes.sha256), len(hashes.pdq)) == (32, 64, 64)
    assert hashes.pdq_near  # near copies hashed at scan time, for banking on removal
    assert all(len(p) == 64 for _, p, _ in hashes.pdq_near)
    assert hashes.vpdq == ()  # a still image has no frames
    assert reads.post_media_hashes("p1") == [hashes]
    assert reads.post_media_hashes("p2") == []
