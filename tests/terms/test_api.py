"""POST /api/v1/hashtags/check and /api/v1/search/check: the fixed shapes, the scope, bounded
input refused with the field named, and no query of the rules per call."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shieldwall.core import apikeys
from shieldwall.core.actors import Actor
from shieldwall.terms import services
from shieldwall.terms.kinds import MatchKind
from shieldwall.terms.normalise import term_key
from tests.metrics_support import parse, sample
from tests.terms.rules_support import LEAD, _fresh_matcher, configure  # noqa: F401

pytestmark = pytest.mark.django_db


def tags(api: Client, body: Any) -> Any:
    return api.post("/api/v1/hashtags/check", body, content_type="application/json")


def search(api: Client, body: Any) -> Any:
    return api.post("/api/v1/search/check", body, content_type="application/json")


def test_open_tags_get_no_rule_and_no_interstitial(api: Client) -> None:
    r = tags(api, {"tags": ["Harmless", "Sunset"]})
    assert r.status_code == 200, r.content
    assert r.json() == {
        "results": [
            {
                "tag": "Harmless",
                "suppressed": False,
                "rule": None,
                "normalized": term_key("Harmless"),
            },
            {"tag": "Sunset", "suppressed": False, "rule": None, "normalized": term_key("Sunset")},
        ],
        "interstitial": None,
    }


def test_a_caught_tag_names_its_rule_and_brings_the_interstitial(api: Client) -> None:
    rule = services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    configure(
        terms_interstitial_title="Help",
        terms_interstitial_message="Talk to someone.",
        terms_help_links=(("Report", "/report"),),
    )
    r = tags(api, {"tags": ["sunset", "BlueFinch"]})
    assert r.status_code == 200, r.content
    body = r.json()
    assert [x["tag"] for x in body["results"]] == ["sunset", "BlueFinch"]
    assert body["results"][1] == {
        "tag": "BlueFinch",
        "suppressed": True,
        "rule": {"id": rule.pk, "term": "bluefinch", "match": "exact"},
        "normalized": term_key("BlueFinch"),
    }
    assert body["interstitial"] == {
        "title": "Help",
        "message": "Talk to someone.",
        "links": [{"label": "Report", "url": "/report"}],
    }


def test_a_search_is_checked_with_the_interstitial(api: Client) -> None:
    rule = services.add_rule(term="velvetmoth", actor=LEAD, reason="r", match=MatchKind.CONTAINS)
    r = search(api, {"query": "cheap velvetmoths here"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["suppressed"] is True
    assert body["query"] == "cheap velvetmoths here"
    assert body["rule"] == {"id": rule.pk, "term": "velvetmoth", "match": "contains"}
    assert body["normalized"]
    assert body["interstitial"]["title"] == services.interstitial().title
    assert [link["url"] for link in body["interstitial"]["links"]] == [
        link.url for link in services.interstitial().links
    ]
    r = search(api, {"query": "sunset photos"})
    assert r.json()["suppressed"] is False
    assert r.json()["rule"] is None
    assert r.json()["interstitial"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tags": []}, "tags"),
        ({"tags": ["x"] * 101}, "tags"),
        ({"tags": ["ok", "x" * 201]}, "tags.1"),
        ({"tags": ["ok", "a\u0000b"]}, "tags.1"),
        ({"tags": [1]}, "tags.0"),
        ({"tags": "bluefinch"}, "tags"),
        ({}, "tags"),
    ],
)
def test_refused_tag_lists_name_the_field(api: Client, body: Any, field: str) -> None:
    r = tags(api, body)
    assert r.status_code == 422, r.content
    assert r.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": "q" * 501}, "query"),
        ({"query": "a\u0000b"}, "query"),
        ({"query": 5}, "query"),
        ({}, "query"),
    ],
)
def test_refused_queries_name_the_field(api: Client, body: Any, field: str) -> None:
    r = search(api, body)
    assert r.status_code == 422, r.content
    assert r.json()["error"].get("field") == field, r.content


def test_the_longest_accepted_input_is_answered(api: Client) -> None:
    services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    r = tags(api, {"tags": ["\u200b" * 200] * 100})
    assert r.status_code == 200
    assert len(r.json()["results"]) == 100
    r = search(api, {"query": "bluefinch " * 50})
    assert r.status_code == 200
    assert r.json()["suppressed"] is True


@pytest.mark.parametrize("raw", [b"{", b"[]", b'{"tags": ["a"]' + b"]" * 10, b"\xff\xfe"])
def test_malformed_bodies_are_json_errors(api: Client, raw: bytes) -> None:
    r = api.post("/api/v1/hashtags/check", raw, content_type="application/json")
    assert 400 <= r.status_code < 500
    assert r.json()["error"]["code"]


def test_the_checks_need_a_key_with_the_search_scope(actor: Actor) -> None:
    assert tags(Client(), {"tags": ["a"]}).status_code == 401
    assert search(Client(), {"query": "a"}).status_code == 401
    _, secret = apikeys.create_api_key(name="scan-only", actor=actor, scopes=["scan"])
    scan_only = Client(headers={"Authorization": f"Bearer {secret}"})
    r = tags(scan_only, {"tags": ["a"]})
    assert r.status_code == 403
    assert "terms.check_terms" in r.json()["error"]["message"]
    assert search(scan_only, {"query": "a"}).status_code == 403
    _, secret = apikeys.create_api_key(name="search", actor=actor, scopes=["search"])
    searcher = Client(headers={"Authorization": f"Bearer {secret}"})
    assert tags(searcher, {"tags": ["a"]}).status_code == 200
    assert search(searcher, {"query": "a"}).status_code == 200


def test_a_call_reads_no_rule_from_the_database(api: Client) -> None:
    services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    configure(index_refresh_seconds=60.0)
    tags(api, {"tags": ["warm"]})
    with CaptureQueriesContext(connection) as queries:
        assert tags(api, {"tags": ["bluefinch"]}).json()["results"][0]["suppressed"]
        assert search(api, {"query": "bluefinch"}).json()["suppressed"]
    assert not [q for q in queries.captured_queries if "terms_" in q["sql"]]


def test_a_new_rule_is_answered_at_the_next_probe(api: Client) -> None:
    assert not tags(api, {"tags": ["sodapass"]}).json()["results"][0]["suppressed"]
    services.add_rule(term="sodapass", actor=LEAD, reason="r")
    assert tags(api, {"tags": ["sodapass"]}).json()["results"][0]["suppressed"]


def test_checks_and_rules_are_counted_at_metrics(api: Client) -> None:
    def scrape() -> Any:
        r = Client().get("/metrics")
        assert r.status_code == 200
        return parse(r.content.decode())

    before = scrape()
    services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    services.add_rule(term="velvetmoth", actor=LEAD, reason="r", match=MatchKind.CONTAINS)
    tags(api, {"tags": ["bluefinch"]})
    tags(api, {"tags": ["sunset"]})
    search(api, {"query": "sunset"})
    after = scrape()
    for check, verdict, n in (("hashtags", "suppressed", 1), ("hashtags", "open", 1)):
        labels = {"check": check, "verdict": verdict}
        assert (
            sample(after, "shieldwall_term_checks_total", **labels)
            - sample(before, "shieldwall_term_checks_total", **labels)
            == n
        )
    assert sample(after, "shieldwall_term_checks_total", check="search", verdict="open") >= 1
    assert sample(after, "shieldwall_term_rules", kind="exact/block") == 1
    assert sample(after, "shieldwall_term_rules", kind="contains/block") == 1
    assert sample(after, "shieldwall_tag_suppressions_active") == 0
