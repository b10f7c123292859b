"""`shieldwall webhook ...` and `shieldwall action issue` in a subprocess on a fresh database."""

from __future__ import annotations

import pytest

from tests.cli_support import Shieldwall

pytestmark = pytest.mark.slow


def test_webhook_lifecycle(sw: Shieldwall) -> None:
    added = sw("webhook", "add", "https://platform.example.test/hook")
    assert added.code == 0, added.err
    secret = added.out.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    assert "not shown again" in added.err
    assert sw("webhook", "add", "http://platform.example.test/hook").code == 1

    listed = sw("webhook", "list", "--json").json_lines()
    assert listed == [
        {
            "id": listed[0]["id"],
            "url": "https://platform.example.test/hook",
            "enabled": True,
            "pending": 0,
            "dead": 0,
            "created_at": listed[0]["created_at"],
        }
    ]
    assert secret not in sw("webhook", "list").out

    rotated = sw("webhook", "rotate", "https://platform.example.test/hook")
    assert rotated.code == 0, rotated.err
    new_secret = rotated.out.strip().splitlines()[-1]
    assert new_secret.startswith("whsec_")
    assert new_secret != secret

    issued = sw("action", "issue", "remove_post", "p1", "p2", "--reason", "csam_hash_match")
    assert issued.code == 0, issued.err
    ids = issued.out.split()
    assert len(ids) == 2
    assert all(i.startswith("act_") for i in ids)
    assert sw("webhook", "list", "--json").json_lines()[0]["pending"] == 2

    disabled = sw("webhook", "disable", listed[0]["id"])
    assert disabled.code == 0
    assert "disabled webhook" in disabled.out
    assert sw("webhook", "disable", "https://nowhere.example.test/").code == 1

    assert sw("webhook", "retry-dead").code == 1  # ids or --all
    retried = sw("webhook", "retry-dead", "--all")
    assert retried.code == 0
    assert retried.out.startswith("0 dead")


def test_action_issue_reports_errors(sw: Shieldwall) -> None:
    assert sw("action", "issue", "delete_everything", "p1", "--reason", "r").code == 2
    bad = sw("action", "issue", "remove_post", "p1", "--reason", "Not A Code")
    assert bad.code == 1
    assert "reason" in bad.err
    out = sw("action", "issue", "suppress_hashtag", "placeholdertag", "--reason", "r", "--json")
    [action] = out.json_lines()
    assert action["subject"] == {"type": "hashtag", "id": "placeholdertag"}
    audit = sw("audit", "verify")
    assert audit.code == 0, audit.out
