"""Shared helpers of the terms tests: actors by role and settings for the rules' cache."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from shieldwall.core.actors import Actor, ActorKind
from shieldwall.terms import services
from shieldwall.terms.permissions import CHECK_TERMS, MANAGE_RULES, VIEW_RULES

MODERATOR = Actor(kind=ActorKind.USER, name="mod", permissions=frozenset({VIEW_RULES}))
LEAD = Actor(kind=ActorKind.USER, name="lead", permissions=frozenset({VIEW_RULES, MANAGE_RULES}))
PLATFORM = Actor(kind=ActorKind.APIKEY, name="platform", permissions=frozenset({CHECK_TERMS}))


def configure(**changes: Any) -> None:
    """Change the running configuration (restored after the test by `_fresh_matcher`)."""
    settings.SHIELDWALL = dataclasses.replace(settings.SHIELDWALL, **changes)


@pytest.fixture(autouse=True)
def _fresh_matcher() -> Iterator[None]:
    """Each test compiles its own rules (the database is emptied between tests), and gets
    the configuration back as it was after `configure`."""
    saved = settings.SHIELDWALL
    services.forget_matcher()
    yield
    settings.SHIELDWALL = saved
    services.forget_matcher()
