"""Shared fixtures: actors, API clients, fixture media, and fresh per-process caches per test."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from shieldwall.core.actors import Actor, cli_actor
from tests.audit_support import audit_guards_lifted
from tests.cli_support import cli_env, sw  # noqa: F401  (fixtures for the CLI and e2e tests)
from tests.egress_support import allow, dns  # noqa: F401  (outgoing-URL fixtures)

FIXTURES = Path(__file__).parent / "fixtures"
PDQ_DIR = FIXTURES / "pdq"
VIDEO_DIR = FIXTURES / "video"


@pytest.fixture(autouse=True, scope="session")
def _flush_past_audit_guards() -> Iterator[None]:
    """Transactional tests empty every table afterwards; the audit triggers refuse that."""
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def teardown(self: TransactionTestCase) -> None:
        with audit_guards_lifted():
            original(self)

    TransactionTestCase._fixture_teardown = teardown  # type: ignore[method-assign]
    yield
    TransactionTestCase._fixture_teardown = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _fresh_registry(settings: object, tmp_path: Path) -> Iterator[None]:
    """Each test starts with no cached indices and checks bank versions on every scan."""
    from django.conf import settings as dj

    from shieldwall.cases.clusters import cluster_index
    from shieldwall.matching.registry import registry
    from shieldwall.subjects.profile import forget_profile

    # Each test keeps its audit checkpoint apart: the test database is emptied between tests.
    # Test receivers and fake exchanges listen on 127.0.0.1: allowed as an operator would.
    dj.SHIELDWALL = dataclasses.replace(
        dj.SHIELDWALL,
        index_refresh_seconds=0.0,
        audit_checkpoint=tmp_path / "audit-checkpoint.json",
        index_dir=tmp_path / "index",
        allow_private_hosts=("127.0.0.1",),
    )
    registry.clear()
    cluster_index.clear()
    forget_profile()
    yield
    registry.clear()
    cluster_index.clear()
    forget_profile()


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
