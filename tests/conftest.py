"""Shared fixtures: actors, API clients, fixture media, and a fresh match registry per test."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from shieldwall.core.actors import Actor, cli_actor
from tests.cli_support import cli_env, sw  # noqa: F401  (fixtures for the CLI and e2e tests)
from tests.egress_support import allow, dns  # noqa: F401  (outgoing-URL fixtures)

FIXTURES = Path(__file__).parent / "fixtures"
PDQ_DIR = FIXTURES / "pdq"
VIDEO_DIR = FIXTURES / "video"


@pytest.fixture(autouse=True)
def _fresh_registry(settings: object) -> Iterator[None]:
    """Each test starts with no cached indices and checks bank versions on every scan."""
    from django.conf import settings as dj

    from shieldwall.cases.clusters import cluster_index
    from shieldwall.matching.registry import registry

    # Test receivers and fake exchanges listen on 127.0.0.1: allowed as an operator would.
    dj.SHIELDWALL = dataclasses.replace(
        dj.SHIELDWALL, index_refresh_seconds=0.0, allow_private_hosts=("127.0.0.1",)
    )
    registry.clear()
    cluster_index.clear()
    yield
    registry.clear()
    cluster_index.clear()


@pytest.fixture
def actor() -> Actor:
    """The operator at the shell, with every right."""
    return cli_actor()


@pytest.fixture
def api_key(db: None, actor: Actor) -> str:
    """A fresh platform API key secret with every scope (its own banks too)."""
    from shieldwall.core.apikeys import create_api_key
    from shieldwall.core.roles import SCOPES

    _, secret = create_api_key(name="test-platform", actor=actor, scopes=SCOPES)
    return secret


@pytest.fixture
def api(api_key: str) -> Client:
    """A test client that sends the platform's bearer key."""
    return Client(headers={"Authorization": f"Bearer {api_key}"})


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES
