"""The SDK's hashtag and search checks against a real `shieldwall serve` (and, for broken
answers the real one never gives, a scripted local server).

Placeholder terms only (`bluefinch`, `velvetmoth`); never a real one.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from shieldwall_client import (
    Client,
    HashtagCheck,
    SearchCheck,
    ShieldwallError,
    ShieldwallUnavailable,
)
from tests.client.live import Live, free_port
from tests.client.scripted import Reply, ScriptedServer, error

pytestmark = pytest.mark.slow

ADD_RULE = """
import sys, django
django.setup()
from shieldwall.core.actors import cli_actor
from shieldwall.terms.kinds import MatchKind
from shieldwall.terms.services import add_rule
term, match = sys.argv[1:3]
print(add_rule(term=term, match=MatchKind(match), actor=cli_actor(), reason="test").pk)
"""


def add_rule(live: Live, term: str, match: str = "exact") -> int:
    """Block a term on the server's database, as staff would."""
    proc = subprocess.run(
        [sys.executable, "-c", ADD_RULE, term, match],
        env={**live.sw.env, "DJANGO_SETTINGS_MODULE": "shieldwall.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip().splitlines()[-1])


def search_client(live: Live, **kwargs: object) -> Client:
    """A client whose key carries the `search` scope (the live fixture's key does not)."""
    made = live.sw("apikey", "create", "searcher", "--scope", "search")
    assert made.code == 0, made.err
    return Client(live.base_url, api_key=made.out.strip().splitlines()[-1], **kwargs)  # type: ignore[arg-type]


def test_check_hashtags_reads_verdicts_rules_and_the_interstitial(live: Live) -> None:
    rule_id = add_rule(live, "bluefinch")
    with search_client(live) as sw:
        (first,) = sw.check_hashtags(["#BlueFinch"])
        assert isinstance(first, HashtagCheck)
        assert first.tag == "#BlueFinch"
        assert first.suppressed
        assert first.rule is not None
        assert (first.rule.id, first.rule.term, first.rule.match) == (rule_id, "bluefinch", "exact")
        assert first.normalized  # Shieldwall's matching key (a skeleton: not for display)
        assert first.interstitial is not None
        assert first.interstitial.title
        assert first.interstitial.message
        assert first.interstitial.links
        assert all(
            link.label and link.url.startswith("https://") for link in first.interstitial.links
        )
        # An ordinary tag, then the term split over two adjacent tags: each in its place.
        split = sw.check_hashtags(["sunsetwalk", "blue", "finch"])
        assert [r.tag for r in split] == ["sunsetwalk", "blue", "finch"]
        assert [r.suppressed for r in split] == [False, True, True]
        assert (split[0].rule, split[0].interstitial) == (None, None)
        assert split[1].interstitial == first.interstitial
        # Nothing suppressed: no interstitial at all.
        clean = sw.check_hashtags(["sunsetwalk", "coffee"])
        assert [(r.suppressed, r.rule, r.interstitial) for r in clean] == [(False, None, None)] * 2
        assert sw.check_hashtags([]) == []


def test_check_hashtags_over_the_request_limit_keeps_adjacent_pairs(live: Live) -> None:
    add_rule(live, "bluefinch")
    tags = [f"walk{n}" for n in range(250)]
    tags[99], tags[100] = "blue", "finch"  # split across the first two batches of 100
    tags[249] = "bluefinch"
    with search_client(live) as sw:
        results = sw.check_hashtags(tags)
    assert [r.tag for r in results] == tags
    suppressed = {n for n, r in enumerate(results) if r.suppressed}
    assert {99, 100, 249} <= suppressed
    # Only the term's own tags and, at most, the tags glued to them read together.
    assert suppressed <= {98, 99, 100, 101, 248, 249}


def test_check_search_reads_the_verdict_and_the_interstitial(live: Live) -> None:
    rule_id = add_rule(live, "velvetmoth")
    with search_client(live) as sw:
        hit = sw.check_search("where is VELVETMOTH today")
        assert isinstance(hit, SearchCheck)
        assert hit.suppressed
        assert hit.rule is not None
        assert hit.rule.id == rule_id
        assert hit.query == "where is VELVETMOTH today"
        assert len(hit.normalized.split()) == 4  # one key a word
        assert hit.interstitial is not None
        assert hit.interstitial.links
        split = sw.check_search("velvet moth")  # two adjacent words read together
        assert split.suppressed
        clean = sw.check_search("velvet curtains")
        assert (clean.suppressed, clean.rule, clean.interstitial) == (False, None, None)


def test_checks_refuse_keys_without_the_search_scope_and_bad_input(live: Live) -> None:
    with live.client() as no_scope:  # scan, lookup, ... but not search
        with pytest.raises(ShieldwallError) as denied:
            no_scope.check_search("quietlantern")
        assert denied.value.status == 403
        assert denied.value.code == "forbidden"
        with pytest.raises(ShieldwallError) as denied_tags:
            no_scope.check_hashtags(["quietlantern"])
        assert denied_tags.value.status == 403
    with Client(live.base_url, api_key="sw_not_a_key") as stranger:
        with pytest.raises(ShieldwallError) as unauth:
            stranger.check_search("quietlantern")
        assert unauth.value.status == 401
    with search_client(live) as sw:
        with pytest.raises(ValueError, match="longer than 200"):
            sw.check_hashtags(["a" * 201])
        with pytest.raises(ValueError, match="longer than 500"):
            sw.check_search("q" * 501)
        assert not sw.check_search("q" * 500).suppressed  # the limit itself is fine


def test_checks_raise_unavailable_when_nothing_answers() -> None:
    with Client(f"http://127.0.0.1:{free_port()}", api_key="k", retries=1, backoff=0) as sw:
        with pytest.raises(ShieldwallUnavailable):
            sw.check_search("quietlantern")
        with pytest.raises(ShieldwallUnavailable):
            sw.check_hashtags(["quietlantern"])


# -- against a scripted server: what the real one does not do on purpose --------------------


def _tag_answer(*tags: str, suppressed: bool = False) -> dict[str, object]:
    return {
        "results": [
            {"tag": t, "suppressed": suppressed, "rule": None, "normalized": t} for t in tags
        ],
        "interstitial": None,
    }


def test_checks_are_retried_like_reads_on_503(scripted: ScriptedServer) -> None:
    answer = {"query": "q", "suppressed": False, "rule": None, "normalized": "q"}
    scripted.script = [error(503, "unavailable", "busy"), Reply(200, answer)]
    with Client(scripted.url, api_key="k", retries=1, backoff=0) as sw:
        assert sw.check_search("q").suppressed is False
    assert [s.path for s in scripted.seen] == ["/api/v1/search/check"] * 2
    assert scripted.seen[0].json() == {"query": "q"}


def test_an_answer_of_the_wrong_shape_is_a_bad_response(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(200, _tag_answer("one"))]  # two tags sent, one result back
    with Client(scripted.url, api_key="k", retries=0) as sw:
        with pytest.raises(ShieldwallError) as short:
            sw.check_hashtags(["one", "two"])
        assert short.value.code == "bad_response"
        scripted.script = [Reply(200, {"suppressed": True})]  # no query, no results
        with pytest.raises(ShieldwallError) as missing:
            sw.check_search("q")
        assert missing.value.code == "bad_response"
        with pytest.raises(ShieldwallError) as missing_tags:
            sw.check_hashtags(["one"])
        assert missing_tags.value.code == "bad_response"


def test_a_refusal_is_the_servers_error(scripted: ScriptedServer) -> None:
    scripted.script = [error(422, "invalid_request", "tags: too many", "tags")]
    sw = Client(scripted.url, api_key="k", retries=2, backoff=0)
    with sw, pytest.raises(ShieldwallError) as refused:
        sw.check_hashtags(["one"])
    assert (refused.value.status, refused.value.code, refused.value.field) == (
        422,
        "invalid_request",
        "tags",
    )
    assert not isinstance(refused.value, ShieldwallUnavailable)
    assert len(scripted.seen) == 1  # a refusal is not retried
