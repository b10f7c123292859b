"""ingest_events: every event type, idempotency, out-of-order rules, reach, audit, queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shieldwall.core.actors import Actor
from shieldwall.core.errors import Forbidden, Invalid
from shieldwall.core.models import AuditEvent
from shieldwall.subjects import services
from shieldwall.subjects.events import SubjectEvent
from shieldwall.subjects.models import (
    Account,
    Hashtag,
    PlatformMedia,
    Post,
    PostHashtag,
    PostMedia,
    PostMetrics,
    ProcessedEvent,
)
from tests.subjects.builders import T0, at, event, post

pytestmark = pytest.mark.django_db


def ingest(actor: Actor, *events: dict) -> services.IngestResult:
    return services.ingest_events(events=list(events), actor=actor)


def account(account_id: str = "a1", minutes: float = 0, type_: str = "account.created", **data):  # type: ignore[no-untyped-def]
    return event(type_, minutes, account_id=account_id, **{"handle": "someone", **data})


def metrics(post_id: str, minutes: float, views: int, reshares: int, **data):  # type: ignore[no-untyped-def]
    return event("post.metrics", minutes, post_id=post_id, views=views, reshares=reshares, **data)


# Every event type


def test_account_created_and_updated(actor: Actor) -> None:
    ingest(
        actor,
        account(
            "a1", 0, handle="first", display_name="First", bio="hi", created_at=at(-60), url="u"
        ),
    )
    acc = Account.objects.get(account_id="a1")
    assert (acc.handle, acc.display_name, acc.bio, acc.url) == ("first", "First", "hi", "u")
    assert acc.platform_created_at == T0 - timedelta(hours=1)
    assert acc.last_event_at == T0
    assert acc.is_placeholder is False
    ingest(actor, account("a1", 5, "account.updated", handle="second"))
    acc.refresh_from_db()
    assert (acc.handle, acc.display_name, acc.last_event_at) == (
        "second",
        "",
        T0 + timedelta(minutes=5),
    )
    assert acc.platform_created_at == T0 - timedelta(hours=1)  # an update does not move it


def test_post_created_stores_content_links_and_hashtags(actor: Actor) -> None:
    ingest(
        actor,
        account("a1"),
        post(
            "p1",
            "a1",
            1,
            text="hello #Placeholdertag",
            hashtags=["Placeholdertag", "other"],
            media_ids=["m1", "m2"],
            reply_to="p0",
            quote_of="p-1",
            reshare_of=None,
            url="https://example.test/p/p1",
        ),
    )
    p = Post.objects.get(post_id="p1")
    assert p.account is not None
    assert p.account.account_id == "a1"
    assert (p.text, p.reply_to, p.quote_of, p.reshare_of) == (
        "hello #Placeholdertag",
        "p0",
        "p-1",
        "",
    )
    assert p.url == "https://example.test/p/p1"
    assert p.platform_created_at == p.last_event_at == T0 + timedelta(minutes=1)
    assert p.deleted_at is None
    assert sorted(p.media.values_list("media_id", flat=True)) == ["m1", "m2"]
    assert sorted(Hashtag.objects.values_list("name", flat=True)) == ["other", "placeholdertag"]
    assert set(p.hashtag_uses.values_list("used_at", flat=True)) == {T0 + timedelta(minutes=1)}


def test_post_updated_replaces_content_and_hashtag_uses(actor: Actor) -> None:
    ingest(actor, post("p1", text="one", hashtags=["keep", "drop"], created_at=at(-10)))
    ingest(
        actor,
        event(
            "post.updated", 5, post_id="p1", account_id="a1", text="two", hashtags=["KEEP", "new"]
        ),
    )
    p = Post.objects.get(post_id="p1")
    assert p.text == "two"
    uses = dict(p.hashtag_uses.values_list("hashtag__name", "used_at"))
    # A kept tag keeps the time it was first used; a new one is used from the update on.
    assert uses == {"keep": T0 - timedelta(minutes=10), "new": T0 + timedelta(minutes=5)}
    assert list(services.hashtag_uses("drop")) == []
    assert Hashtag.objects.filter(name="drop").exists()  # the tag itself stays known


def test_post_deleted(actor: Actor) -> None:
    ingest(actor, post("p1", text="x"))
    ingest(actor, event("post.deleted", 3, post_id="p1"))
    p = Post.objects.get(post_id="p1")
    assert p.is_deleted
    assert p.deleted_at == T0 + timedelta(minutes=3)
    assert p.text == "x"  # the content stays on record for review and evidence


def test_media_attached_before_and_after_the_media_is_scanned(actor: Actor) -> None:
    ingest(actor, event("media.attached", 0, media_id="m1", post_id="p1", media_type="image"))
    link = PostMedia.objects.get()
    assert (link.post.post_id, link.media_id, link.media_type) == ("p1", "m1", "image")
    assert not PlatformMedia.objects.exists()  # not required to exist
    ingest(actor, post("p2", media_ids=["m1"]))
    assert sorted(
        PostMedia.objects.filter(media_id="m1").values_list("post__post_id", flat=True)
    ) == [
        "p1",
        "p2",
    ]


def test_media_type_learnt_later_fills_in_the_link(actor: Actor) -> None:
    ingest(actor, post("p1", media_ids=["m1"]))
    ingest(actor, event("media.attached", 1, media_id="m1", post_id="p1", media_type="video"))
    ingest(actor, event("media.attached", 2, media_id="m1", post_id="p1"))
    assert PostMedia.objects.get().media_type == "video"


def test_media_links_are_only_added(actor: Actor) -> None:
    ingest(actor, post("p1", media_ids=["m1"]))
    ingest(actor, event("post.updated", 1, post_id="p1", account_id="a1", media_ids=["m2"]))
    assert sorted(PostMedia.objects.values_list("media_id", flat=True)) == ["m1", "m2"]


def test_post_metrics_series_and_current_reach(actor: Actor) -> None:
    ingest(actor, post("p1"))
    ingest(
        actor,
        metrics("p1", 20, 167_000, 2_223, likes=9),
        metrics("p1", 10, 500, 20),  # older, arrives later: still part of the series
    )
    ingest(actor, metrics("p1", 10, 999, 999))  # same (post, time), new event id: ignored
    series = services.post_reach_series("p1")
    assert [(m.at, m.views, m.reshares, m.likes) for m in series] == [
        (T0 + timedelta(minutes=10), 500, 20, None),
        (T0 + timedelta(minutes=20), 167_000, 2_223, 9),
    ]
    reach = services.current_reach("p1")
    assert reach is not None
    assert (reach.views, reach.reshares) == (167_000, 2_223)
    assert services.current_reach(Post.objects.get(post_id="p1")) == reach
    assert services.current_reach("unknown") is None


def test_metrics_for_an_unknown_post_make_a_content_less_post(actor: Actor) -> None:
    ingest(actor, metrics("p9", 5, 10, 1))
    p = Post.objects.get(post_id="p9")
    assert p.account is None
    assert p.last_event_at is None
    ingest(actor, post("p9", "a1", 0, text="late"))
    p.refresh_from_db()
    assert p.text == "late"
    assert p.account is not None
    assert services.current_reach("p9") is not None


# Batches and idempotency


def test_a_batch_of_every_type_in_one_call(actor: Actor) -> None:
    result = ingest(
        actor,
        account("a1"),
        post("p1", "a1", 1, hashtags=["tag"]),
        event("post.updated", 2, post_id="p1", account_id="a1", text="edited"),
        event("media.attached", 3, media_id="m1", post_id="p1"),
        metrics("p1", 4, 10, 1),
        event("account.updated", 5, account_id="a1", handle="renamed"),
        event("post.deleted", 6, post_id="p1"),
    )
    assert (result.accepted, result.duplicates) == (7, 0)
    assert [r.status for r in result.results] == ["accepted"] * 7
    p = Post.objects.get(post_id="p1")
    assert p.text == "edited"
    assert p.is_deleted
    assert Account.objects.get().handle == "renamed"
    assert ProcessedEvent.objects.count() == 7


def test_the_same_event_id_twice_is_a_duplicate_and_changes_nothing(actor: Actor) -> None:
    first = post("p1", text="original", id_="evt-same")
    assert ingest(actor, first).accepted == 1
    again = post("p1", "a1", 9, text="tampered", id_="evt-same")
    result = ingest(actor, again, post("p2"))
    assert [(r.id, r.status) for r in result.results] == [
        ("evt-same", "duplicate"),
        (result.results[1].id, "accepted"),
    ]
    assert (result.accepted, result.duplicates) == (1, 1)
    assert Post.objects.get(post_id="p1").text == "original"


def test_a_repeated_id_within_one_batch_counts_once(actor: Actor) -> None:
    m = metrics("p1", 1, 10, 1, id_="evt-m")
    result = ingest(actor, m, m)
    assert [r.status for r in result.results] == ["accepted", "duplicate"]
    assert PostMetrics.objects.count() == 1


# Out of order


def test_an_account_update_older_than_the_stored_state_is_ignored(actor: Actor) -> None:
    ingest(actor, account("a1", 10, "account.updated", handle="newer"))
    result = ingest(actor, account("a1", 5, "account.updated", handle="older"))
    assert result.accepted == 1  # accepted (and recorded as seen), but it changes nothing
    acc = Account.objects.get()
    assert acc.handle == "newer"
    assert acc.last_event_at == T0 + timedelta(minutes=10)


def test_a_post_update_older_than_the_stored_state_is_ignored(actor: Actor) -> None:
    ingest(
        actor, event("post.updated", 10, post_id="p1", account_id="a1", text="new", hashtags=["b"])
    )
    ingest(actor, post("p1", "a1", 0, text="old", hashtags=["a"]))
    p = Post.objects.get()
    assert p.text == "new"
    assert p.last_event_at == T0 + timedelta(minutes=10)
    assert list(p.hashtag_uses.values_list("hashtag__name", flat=True)) == ["b"]
    # The earliest time known is still the best guess of when it was created.
    assert p.platform_created_at == T0


def test_a_delete_then_an_older_create_stays_deleted_with_its_content(actor: Actor) -> None:
    ingest(actor, event("post.deleted", 10, post_id="p1"))
    ingest(actor, post("p1", "a1", 0, text="sold here", hashtags=["tag"], media_ids=["m1"]))
    p = Post.objects.get()
    assert p.deleted_at == T0 + timedelta(minutes=10)
    # Nothing newer was known about its content, so the older event fills it in.
    assert p.text == "sold here"
    assert p.account is not None
    assert [u.post.post_id for u in services.hashtag_uses("tag")] == ["p1"]
    assert list(p.media.values_list("media_id", flat=True)) == ["m1"]


def test_a_delete_then_an_older_update_does_not_undelete(actor: Actor) -> None:
    ingest(actor, post("p1", text="v1"))
    ingest(actor, event("post.deleted", 10, post_id="p1"))
    ingest(actor, event("post.updated", 5, post_id="p1", account_id="a1", text="v2"))
    ingest(actor, post("p1", "a1", 0, text="v0", id_="evt-replayed-create"))
    p = Post.objects.get()
    assert p.is_deleted
    # The last content before the deletion is what the post said when it went.
    assert p.text == "v2"
    assert p.content_at == T0 + timedelta(minutes=5)
    assert p.last_event_at == T0 + timedelta(minutes=10)


def test_a_create_and_delete_in_one_batch_in_either_order(actor: Actor) -> None:
    ingest(actor, event("post.deleted", 10, post_id="p1"), post("p1", "a1", 0))
    ingest(actor, post("p2", "a1", 0), event("post.deleted", 10, post_id="p2"))
    assert all(p.is_deleted for p in Post.objects.all())


def test_a_newer_post_event_after_a_delete_means_the_post_is_back(actor: Actor) -> None:
    ingest(actor, post("p1"), event("post.deleted", 5, post_id="p1"))
    ingest(actor, event("post.updated", 9, post_id="p1", account_id="a1", text="restored"))
    p = Post.objects.get()
    assert not p.is_deleted
    assert p.text == "restored"
    ingest(actor, event("post.deleted", 7, post_id="p1"))  # older than the restoration
    p.refresh_from_db()
    assert not p.is_deleted


def test_a_post_before_its_account_makes_a_placeholder_filled_in_later(actor: Actor) -> None:
    ingest(actor, post("p1", "a-new", 5))
    acc = Account.objects.get(account_id="a-new")
    assert acc.is_placeholder
    assert acc.handle == ""
    assert acc.last_event_at is None
    assert acc.first_seen_at is not None
    ingest(actor, account("a-new", 0, handle="late", created_at=at(-1000)))
    acc.refresh_from_db()
    assert not acc.is_placeholder
    assert acc.handle == "late"
    assert acc.platform_created_at == T0 - timedelta(minutes=1000)
    assert [p.post_id for p in services.account_posts("a-new")] == ["p1"]


# Read helpers


def test_account_posts_by_time_and_since(actor: Actor) -> None:
    ingest(
        actor,
        post("p3", "a1", 30),
        post("p1", "a1", 10),
        post("p2", "a1", 20, created_at=at(15)),
        post("x", "a2", 10),
    )
    assert [p.post_id for p in services.account_posts("a1")] == ["p1", "p2", "p3"]
    assert [p.post_id for p in services.account_posts("a1", T0 + timedelta(minutes=15))] == [
        "p2",
        "p3",
    ]
    assert list(services.account_posts("nobody")) == []


def test_hashtag_uses_by_any_spelling_and_since(actor: Actor) -> None:
    ingest(
        actor,
        post("p1", "a1", 10, hashtags=["Fóo"]),
        post("p2", "a2", 20, hashtags=["#ＦÓＯ"]),
        post("p3", "a3", 30, hashtags=["bar"]),
    )
    assert Hashtag.objects.filter(name="fóo").count() == 1
    assert [u.post.post_id for u in services.hashtag_uses("#FÓO")] == ["p1", "p2"]
    uses = services.hashtag_uses("fóo", T0 + timedelta(minutes=15))
    assert [(u.post.post_id, u.post.account.account_id) for u in uses] == [("p2", "a2")]  # type: ignore[union-attr]
    assert list(services.hashtag_uses("#")) == []


def test_duplicate_spellings_in_one_post_are_one_use(actor: Actor) -> None:
    ingest(actor, post("p1", hashtags=["Tag", "TAG", "#tag"]))
    assert PostHashtag.objects.count() == 1


# Audit, permission, validation, cost


def test_one_audit_event_per_batch(actor: Actor) -> None:
    before = AuditEvent.objects.count()
    batch = [post(f"p{n}", minutes=n) for n in range(50)]
    ingest(actor, *batch)
    events = list(AuditEvent.objects.filter(action=SubjectEvent.EVENTS_INGESTED))
    assert AuditEvent.objects.count() == before + 1
    assert len(events) == 1
    data = events[0].data
    assert data["accepted"] == 50
    assert data["duplicates"] == 0
    assert data["by_type"] == {"post.created": 50}
    assert (data["first_event_id"], data["last_event_id"]) == (batch[0]["id"], batch[-1]["id"])
    assert events[0].actor == actor.label


def test_a_batch_of_only_duplicates_changes_nothing_and_is_not_audited(actor: Actor) -> None:
    e = post("p1")
    ingest(actor, e)
    before = AuditEvent.objects.count()
    assert ingest(actor, e).duplicates == 1
    assert AuditEvent.objects.count() == before


def test_an_actor_without_the_permission_is_refused() -> None:
    platform = Actor(kind="apikey", name="scan-only", permissions=frozenset({"banks.scan_media"}))
    with pytest.raises(Forbidden, match=r"subjects\.send_events"):
        services.ingest_events(events=[post("p1")], actor=platform)
    assert not Post.objects.exists()


def test_one_invalid_event_refuses_the_whole_batch(actor: Actor) -> None:
    with pytest.raises(Invalid) as exc:
        ingest(actor, post("p1"), event("post.created", 1, post_id="p2"))
    assert exc.value.field == "events.1.data.account_id"
    assert not Post.objects.exists()
    assert not ProcessedEvent.objects.exists()


def test_queries_do_not_grow_with_the_batch(actor: Actor) -> None:
    def batch(prefix: str, n: int) -> list[dict]:
        out: list[dict] = []
        for i in range(n):
            out += [
                account(f"{prefix}a{i}", i),
                post(f"{prefix}p{i}", f"{prefix}a{i}", i, hashtags=[f"t{i % 7}"], media_ids=["m"]),
                metrics(f"{prefix}p{i}", i + 1, i, 0),
                event("media.attached", i, media_id=f"m{i}", post_id=f"{prefix}p{i}"),
            ]
        return out

    ingest(actor, *batch("warm", 5))  # hashtags t0..t4 exist now; t5 and t6 are new below
    # A few statements per table; bulk statements are split only by the database's limit on
    # parameters (999 on SQLite under Django 5.2), never one per event.
    with CaptureQueriesContext(connection) as queries:
        ingest(actor, *batch("big", 250))
    assert len(queries) <= 40, len(queries)
    with CaptureQueriesContext(connection) as queries:
        ingest(actor, *[event("post.deleted", 500, post_id=f"bigp{i}") for i in range(1000)])
    assert len(queries) <= 40, len(queries)
    assert Post.objects.filter(deleted_at__isnull=False).count() == 1000


def test_media_url_is_kept_and_only_web_addresses_are_taken(actor: Actor) -> None:
    ingest(actor, post("p1", media_ids=["m1"]))
    ingest(
        actor,
        event(
            "media.attached",
            1,
            media_id="m1",
            post_id="p1",
            url="https://tidepool.example/media/m1",
        ),
    )
    ingest(actor, event("media.attached", 2, media_id="m1", post_id="p1", media_type="image"))
    link = PostMedia.objects.get()
    assert (link.url, link.media_type) == ("https://tidepool.example/media/m1", "image")
    with pytest.raises(Invalid) as exc:
        ingest(
            actor,
            event("media.attached", 3, media_id="m1", post_id="p1", url="javascript:alert(1)"),
        )
    assert exc.value.field == "events.0.data.url"
