"""`shieldwall hashtag block|unblock|list|check` and `shieldwall search check`, run for real."""

from __future__ import annotations

from shieldwall.terms.commands import MATCHES
from shieldwall.terms.kinds import MatchKind
from shieldwall.terms.normalise import term_key
from tests.cli_support import Shieldwall


def test_the_match_choices_are_the_vocabulary() -> None:
    assert tuple(MatchKind.values) == MATCHES


def test_block_check_list_unblock(sw: Shieldwall) -> None:
    r = sw("hashtag", "block", "BlueFinch", "--reason", "seen in reports")
    assert r.code == 0, r.err
    (rule,) = r.json_lines()
    assert (rule["term"], rule["key"], rule["match"], rule["effect"], rule["source"]) == (
        "BlueFinch",
        term_key("BlueFinch"),
        "exact",
        "block",
        "cli",
    )
    r = sw("hashtag", "block", "velvetmoth", "--match", "contains")
    assert r.code == 0, r.err
    r = sw("hashtag", "block", "velvetmothwatch", "--exception", "--reason", "a shop")
    assert r.code == 0, r.err
    assert r.json_lines()[0]["effect"] == "allow"

    r = sw("hashtag", "check", "BLUEFINCH", "sunset")
    assert r.code == 0, r.err
    lines = r.json_lines()
    assert [set(line) for line in lines] == [{"tag", "suppressed", "rule", "normalized"}] * 2
    assert [x["tag"] for x in lines] == ["BLUEFINCH", "sunset"]
    assert lines[0]["suppressed"] is True
    assert lines[0]["rule"] == {"id": rule["id"], "term": "BlueFinch", "match": "exact"}
    assert lines[0]["normalized"] == term_key("BLUEFINCH")
    # (Checked one at a time: adjacent tags are also read together.)
    (alone,) = sw("hashtag", "check", "sunset").json_lines()
    assert alone == {"tag": "sunset", "suppressed": False, "rule": None, "normalized": "sunset"}
    assert sw("hashtag", "check", "cheapvelvetmoth").json_lines()[0]["suppressed"] is True
    assert sw("hashtag", "check", "velvetmothwatch").json_lines()[0]["suppressed"] is False

    r = sw("search", "check", "where to find bluefinch")
    assert r.code == 0, r.err
    (verdict,) = r.json_lines()
    assert set(verdict) == {"suppressed", "rule", "normalized"}
    assert verdict["suppressed"] is True
    assert verdict["rule"]["id"] == rule["id"]

    r = sw("hashtag", "list", "--json")
    assert [x["term"] for x in r.json_lines()] == ["velvetmothwatch", "velvetmoth", "BlueFinch"]
    r = sw("hashtag", "list")
    assert "BlueFinch" in r.out
    assert "exception" in r.out

    r = sw("hashtag", "unblock", "blue-FINCH", "--reason", "mistake")
    assert r.code == 0, r.err
    assert r.json_lines()[0]["removed_at"]
    r = sw("hashtag", "check", "bluefinch")
    assert r.json_lines()[0]["suppressed"] is False
    r = sw("hashtag", "unblock", "bluefinch")
    assert r.code == 1
    assert "no active rule" in r.err
    r = sw("hashtag", "list", "--json", "--all")
    assert len(r.json_lines()) == 3


def test_refused_rules_and_bad_arguments(sw: Shieldwall) -> None:
    r = sw("hashtag", "block", "moth", "--match", "contains")
    assert r.code == 1
    assert "at least 6" in r.err
    r = sw("hashtag", "block", "#.,;")
    assert r.code == 1
    assert "no letters or digits" in r.err
    r = sw("hashtag", "block", "bluefinch", "--match", "glob")
    assert r.code == 2  # argparse
    r = sw("hashtag", "list", "--json")
    assert r.code == 0
    assert r.out == ""
