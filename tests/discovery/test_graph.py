"""The account-hashtag graph: kept up to date from post events, in bulk, behind a cursor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shieldwall.core.worker import collect_jobs
from shieldwall.discovery import graph, services
from shieldwall.discovery.models import AccountTag, TagBucket, TagPair, TagStat
from tests.discovery.discovery_support import NOW, ingest, post_event

pytestmark = pytest.mark.django_db


def edges() -> dict[tuple[str, str], int]:
    return {(a, t): n for a, t, n in AccountTag.objects.values_list("account_id", "tag", "uses")}


def pairs() -> dict[tuple[str, str], int]:
    return {(a, b): n for a, b, n in TagPair.objects.values_list("tag_a", "tag_b", "posts")}


def test_post_events_become_edges_totals_pairs_and_buckets() -> None:
    ingest(
        [
            post_event("p1", "a1", ["Bluefinch", "sodapass"], NOW - timedelta(hours=2)),
            post_event("p2", "a1", ["bluefinch"], NOW),
            post_event("p3", "a2", ["sodapass", "bluefinch", "velvetmoth"], NOW),
        ]
    )
    assert services.update_graph() == 6
    assert edges() == {
        ("a1", "bluefinch"): 2,
        ("a1", "sodapass"): 1,
        ("a2", "sodapass"): 1,
        ("a2", "bluefinch"): 1,
        ("a2", "velvetmoth"): 1,
    }
    stat = TagStat.objects.get(tag="bluefinch")
    assert (stat.uses, stat.first_at, stat.last_at) == (3, NOW - timedelta(hours=2), NOW)
    assert pairs() == {
        ("bluefinch", "sodapass"): 2,
        ("bluefinch", "velvetmoth"): 1,
        ("sodapass", "velvetmoth"): 1,
    }
    hours = {(t, b): n for t, b, n in TagBucket.objects.values_list("tag", "bucket", "uses")}
    assert hours[("bluefinch", graph.bucket_of(NOW))] == 2
    assert hours[("bluefinch", graph.bucket_of(NOW - timedelta(hours=2)))] == 1
    edge = AccountTag.objects.get(account_id="a1", tag="bluefinch")
    assert (edge.first_at, edge.last_at) == (NOW - timedelta(hours=2), NOW)


def test_the_cursor_takes_each_use_in_once_and_adds_up_across_rounds() -> None:
    ingest([post_event("p1", "a1", ["bluefinch"], NOW)])
    assert services.update_graph() == 1
    assert services.update_graph() == 0  # nothing new: nothing counted twice
    ingest([post_event("p2", "a1", ["bluefinch"], NOW + timedelta(minutes=1))])
    assert services.update_graph() == 1
    assert edges() == {("a1", "bluefinch"): 2}
    assert TagStat.objects.get(tag="bluefinch").uses == 2
    assert TagStat.objects.get(tag="bluefinch").last_at == NOW + timedelta(minutes=1)


def test_a_post_split_over_two_rounds_still_pairs_its_tags() -> None:
    ingest([post_event("p1", "a1", ["bluefinch", "sodapass", "velvetmoth"], NOW)])
    assert services.update_graph(limit=2) == 2
    assert services.update_graph(limit=2) == 1
    assert pairs() == {
        ("bluefinch", "sodapass"): 1,
        ("bluefinch", "velvetmoth"): 1,
        ("sodapass", "velvetmoth"): 1,
    }


def test_a_tag_added_to_a_post_later_pairs_with_the_tags_it_had() -> None:
    ingest([post_event("p1", "a1", ["bluefinch"], NOW)])
    services.update_graph()
    updated = post_event("p1", "a1", ["bluefinch", "sodapass"], NOW + timedelta(minutes=5))
    updated["type"] = "post.updated"
    ingest([updated])
    assert services.update_graph() == 1
    assert pairs() == {("bluefinch", "sodapass"): 1}
    assert TagStat.objects.get(tag="bluefinch").uses == 1


def test_a_round_issues_the_same_few_statements_whatever_its_size() -> None:
    def statements(n: int, prefix: str) -> int:
        ingest(
            [
                post_event(f"{prefix}{k}", f"acct{k % 7}", [f"tag{k % 11}", f"tag{k % 5}x"], NOW)
                for k in range(n)
            ]
        )
        with CaptureQueriesContext(connection) as ctx:
            services.update_graph()
        return len(ctx.captured_queries)

    statements(1, "w")  # the first round makes the cursor
    small, large = statements(10, "s"), statements(400, "l")
    assert large == small  # no statement per use: one upsert per table per chunk


def test_many_tags_on_one_post_are_not_paired() -> None:
    many = [f"tag{k}" for k in range(graph.MAX_TAGS_PER_POST + 1)]
    ingest([post_event("p1", "a1", many, NOW)])
    services.update_graph()
    assert not TagPair.objects.exists()
    assert TagStat.objects.count() == len(many)


def test_the_worker_runs_the_graph_and_the_scoring() -> None:
    names = {job.name: job for job in collect_jobs(["shieldwall.discovery"])}
    assert names["tag-graph"].kind == "loop"
    assert names["tag-suggestions"].kind == "periodic"
    assert names["account-leads"].kind == "periodic"
    ingest([post_event("p1", "a1", ["bluefinch"], NOW)])
    step = names["tag-graph"].step
    assert step is not None
    assert step() == 1


def test_metrics_show_the_graph_lag_and_the_suggestions() -> None:
    from shieldwall.discovery.metrics import discovery_metrics

    def figures() -> dict[str, list[tuple[dict[str, str], float]]]:
        return {m.name: [(s.labels, s.value) for s in m.samples] for m in discovery_metrics()}

    ingest([post_event("p1", "a1", ["bluefinch", "sodapass"], NOW)])
    assert figures()["shieldwall_discovery_graph_lag_uses"] == [({}, 2.0)]
    services.update_graph()
    found = figures()
    assert found["shieldwall_discovery_graph_lag_uses"] == [({}, 0.0)]
    assert ({"state": "open"}, 0.0) in found["shieldwall_discovery_tag_suggestions"]
