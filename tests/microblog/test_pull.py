"""The pull fallback: a microblog without webhooks applies actions with `pull-actions`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.microblog.stack import Person, Stack, running_stack

pytestmark = pytest.mark.slow
ACKS = """
import json
from shieldwall.cli import _setup
_setup()
from shieldwall.integrations.models import Action
print(json.dumps(sorted([a.kind, a.ack_status] for a in Action.objects.all())))
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("pull"), webhooks=False) as s:
        yield s


def test_pull_applies_and_acknowledges_each_action_once(stack: Stack) -> None:
    with Person(stack.mb_url) as person:
        person.sign_up("puller_" + uuid.uuid4().hex[:6])
        post_id, _ = person.post("pulled, not pushed #placeholdertag")
        assert post_id
        stack.issue("remove_post", post_id)
        stack.issue("suppress_hashtag", "placeholdertag")
        first = stack.microblog("pull-actions")
        assert first.code == 0, first.err
        assert first.out.strip() == "read 2 actions"
        assert "This post was removed" in person.get(f"/p/{post_id}").text
        assert "No posts are shown for" in person.get("/tag/placeholdertag").text
        again = stack.microblog("pull-actions")
        assert again.out.strip() == "read 0 actions"
        acks = stack.shieldwall_python(ACKS)
        assert acks == '[["remove_post", "applied"], ["suppress_hashtag", "applied"]]'
