"""Fixtures of the SDK tests: a scripted local server, and a real `shieldwall serve`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.client.live import live  # noqa: F401  (the real-server fixture)
from tests.client.scripted import ScriptedServer


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    """A local HTTP server answering from a script."""
    server = ScriptedServer()
    server.start()
    yield server
    server.stop()
