"""The client address: the socket peer, unless a trusted proxy vouches for another."""

import ipaddress

import pytest
from django.test import RequestFactory

from shieldwall.config import ConfigError, load_config
from shieldwall.core.clients import client_address, rate_bucket

PROXIES = (ipaddress.ip_network("192.0.2.0/24"), ipaddress.ip_network("2001:db8:f::/48"))


@pytest.fixture
def trusting(settings: object) -> None:
    import dataclasses

    settings.SHIELDWALL = dataclasses.replace(  # type: ignore[attr-defined]
        settings.SHIELDWALL,  # type: ignore[attr-defined]
        trusted_proxies=PROXIES,
    )


def _request(peer: str, forwarded: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(_request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


@pytest.mark.usefixtures("trusting")
@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # The proxy appended what it saw; the client's own left-hand entry proves nothing.
        ("192.0.2.10", "203.0.113.99, 198.51.100.7", "198.51.100.7"),
        # Two trusted proxies in a row.
        ("192.0.2.10", "198.51.100.7, 192.0.2.11", "198.51.100.7"),
        # A peer that is not a proxy of ours cannot speak for anyone else.
        ("198.51.100.8", "203.0.113.1", "198.51.100.8"),
        # Nothing forwarded: the proxy itself.
        ("192.0.2.10", None, "192.0.2.10"),
        # Garbage from the left stops the walk at the last proxy we know.
        ("192.0.2.10", "198.51.100.7, not-an-ip, 192.0.2.11", "192.0.2.11"),
        ("2001:db8:f::1", "[2001:db8:1::5]:443", "2001:db8:1::5"),
        ("::ffff:192.0.2.10", "::ffff:198.51.100.7", "198.51.100.7"),
    ],
)
def test_behind_trusted_proxies_the_right_most_untrusted_hop(
    peer: str, forwarded: str | None, expected: str
) -> None:
    assert client_address(_request(peer, forwarded)) == expected


def test_missing_peer_is_unknown() -> None:
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_address(request) == "unknown"


def test_ipv6_clients_are_counted_per_64() -> None:
    assert rate_bucket("2001:db8:1:2:aaaa::1") == rate_bucket("2001:db8:1:2:bbbb::9")
    assert rate_bucket("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert rate_bucket("198.51.100.7") == "198.51.100.7"


def test_trusted_proxies_are_validated(tmp_path: object) -> None:
    env = {"SHIELDWALL_HOME": str(tmp_path)}
    config = load_config({**env, "SHIELDWALL_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"})
    assert [str(n) for n in config.trusted_proxies] == ["10.0.0.0/8", "192.0.2.1/32"]
    with pytest.raises(ConfigError, match=r"'proxy\.example' is neither"):
        load_config({**env, "SHIELDWALL_TRUSTED_PROXIES": "10.0.0.0/8,proxy.example"})
