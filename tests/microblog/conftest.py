"""A live stack per test module: Shieldwall serve + worker and the microblog."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.microblog.stack import Person, Stack, running_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as s:
        yield s


@pytest.fixture
def person(stack: Stack) -> Iterator[Person]:
    """A newly signed-up, logged-in person."""
    with Person(stack.mb_url) as p:
        p.sign_up("u" + uuid.uuid4().hex[:10])
        yield p
