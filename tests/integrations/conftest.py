"""Fixtures of the integrations tests: a live receiver and quick retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shieldwall.integrations import outbox
from tests.integrations.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 at a free port (add its secrets after registering)."""
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff in milliseconds and 3 attempts before dead, so retries happen within a test."""
    monkeypatch.setattr(outbox, "BACKOFF_BASE", 0.01)
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 3)
