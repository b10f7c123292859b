"""A DNS the tests steer (names resolve as a test says; others for real), and the allow-list.

Registered as fixtures in tests/conftest.py.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable
from typing import Any

import pytest

from shieldwall.core import egress

PUBLIC = "93.184.216.34"


class FakeDNS:
    """Names the test controls (DNS cannot be steered otherwise); others resolve for real."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}
        self._real: Callable[[str, int], list[Any]] = egress.resolve

    def __call__(self, host: str, port: int) -> list[Any]:
        if host in self.names:
            return [ipaddress.ip_address(a) for a in self.names[host]]
        return self._real(host, port)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    fake = FakeDNS()
    monkeypatch.setattr(egress, "resolve", fake)
    return fake


@pytest.fixture
def allow(settings: Any) -> Callable[..., None]:
    def set_allowed(*hosts: str) -> None:
        settings.SHIELDWALL = dataclasses.replace(settings.SHIELDWALL, allow_private_hosts=hosts)

    return set_allowed
