"""Two deliveries of one batch at the same moment: each event is accepted once (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from shieldwall.core.actors import Actor
from shieldwall.subjects import services
from shieldwall.subjects.models import Account, Post, PostMetrics, ProcessedEvent
from tests.subjects.builders import event, post

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_deliveries_of_one_batch_accept_each_event_once(actor: Actor) -> None:
    batch = []
    for n in range(200):
        batch += [
            post(f"p{n}", f"a{n % 13}", n, hashtags=[f"t{n % 5}"]),
            event("post.metrics", n + 1, post_id=f"p{n}", views=n, reshares=0),
        ]
    results: list[services.IngestResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def deliver() -> None:
        try:
            start.wait()
            results.append(services.ingest_events(events=batch, actor=actor))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.accepted for r in results) == [0, 0, 0, len(batch)]
    assert ProcessedEvent.objects.count() == len(batch)
    assert Post.objects.count() == 200
    assert Account.objects.count() == 13
    assert PostMetrics.objects.count() == 200


def test_concurrent_batches_over_the_same_subjects_do_not_deadlock(actor: Actor) -> None:
    def batch(k: int) -> list[dict]:
        ids = list(range(100)) if k % 2 else list(reversed(range(100)))
        return [
            post(f"p{n}", f"a{n % 7}", k * 100 + n, text=f"v{k}", hashtags=[f"t{k}"]) for n in ids
        ]

    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def deliver(k: int) -> None:
        try:
            start.wait()
            services.ingest_events(events=batch(k), actor=actor)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # Whatever the order of commits, the newest event wins for every post.
    assert set(Post.objects.values_list("text", flat=True)) == {"v3"}
