"""Outgoing connections only to public addresses, or to hosts the operator allows by name."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from shieldwall.config import ConfigError, load_config
from shieldwall.core import egress
from shieldwall.core.errors import Invalid
from tests.egress_support import PUBLIC, FakeDNS


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("168.63.129.16", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("192.0.0.192", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff05::2", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("198.18.0.1", "special-purpose"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("64:ff9b::a9fe:a9fe", "cloud metadata"),  # NAT64 of 169.254.169.254
        ("2002:0a00:0001::1", "private"),  # 6to4 of 10.0.0.1
        ("::10.0.0.1", "private"),  # IPv4-compatible
    ],
)
def test_non_public_addresses_are_named_for_what_they_are(address: str, why: str) -> None:
    reason = egress.forbidden_reason(ipaddress.ip_address(address))
    assert reason is not None
    assert why in reason


@pytest.mark.parametrize("address", [PUBLIC, "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert egress.forbidden_reason(ipaddress.ip_address(address)) is None


def test_a_name_is_refused_if_any_of_its_addresses_is_private(dns: FakeDNS) -> None:
    dns.names["mixed.platform.test"] = [PUBLIC, "10.0.0.8"]
    with pytest.raises(egress.DestinationRefused, match=r"mixed.platform.test \(10.0.0.8\)"):
        egress.vet("mixed.platform.test", 443)
    dns.names["public.platform.test"] = [PUBLIC]
    assert [str(a) for a in egress.vet("public.platform.test", 443)] == [PUBLIC]


def test_localhost_resolves_for_real_and_is_refused_unless_allowed(allow: Any) -> None:
    allow()
    with pytest.raises(egress.DestinationRefused, match="loopback"):
        egress.vet("localhost", 80)
    allow("localhost")
    assert all(a.is_loopback for a in egress.vet("LOCALHOST.", 80))


def test_a_metadata_address_is_refused_even_when_its_name_is_allowed(
    dns: FakeDNS, allow: Any
) -> None:
    dns.names["metadata.internal.test"] = ["169.254.169.254"]
    allow("metadata.internal.test")
    with pytest.raises(egress.DestinationRefused, match="cloud metadata"):
        egress.vet("metadata.internal.test", 80)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.platform.test/x", "insecure_url"),
        ("http://10.0.0.5/x", "insecure_url"),
        ("https://10.0.0.5/x", "destination_refused"),
        ("https://[fd00:ec2::254]/x", "destination_refused"),
        ("https://169.254.169.254/latest/meta-data", "destination_refused"),
        ("http://localhost:8001/x", "destination_refused"),
        ("http://127.0.0.1:8001/x", "destination_refused"),
        ("https://internal.platform.test/x", "destination_refused"),
    ],
)
def test_urls_to_register_are_refused(dns: FakeDNS, allow: Any, url: str, code: str) -> None:
    allow()
    dns.names["internal.platform.test"] = ["192.168.7.7"]
    with pytest.raises(Invalid) as exc:
        egress.check_url(url, field="url")
    assert (exc.value.code, exc.value.field, exc.value.status) == (code, "url", 422)
    if code == "destination_refused":
        assert "SHIELDWALL_ALLOW_PRIVATE_HOSTS" in exc.value.message or "metadata" in (
            exc.value.message
        )


def test_urls_to_register_that_pass(dns: FakeDNS, allow: Any) -> None:
    allow("127.0.0.1", "receiver.internal.test")
    dns.names["hooks.platform.test"] = [PUBLIC]
    dns.names["receiver.internal.test"] = ["10.9.9.9"]
    egress.check_url("https://hooks.platform.test/x", field="url")
    egress.check_url("http://127.0.0.1:8001/x", field="url")  # an allowed loopback
    egress.check_url("https://receiver.internal.test/x", field="url")  # allowed by name
    egress.check_url("https://not-yet.platform.test/x", field="url")  # checked at connect
    with pytest.raises(Invalid, match="https"):
        egress.check_url("http://receiver.internal.test/x", field="url")  # http: loopback only


def test_the_allow_list_is_validated_at_start(tmp_path: Any) -> None:
    home = str(tmp_path)
    config = load_config(
        {"SHIELDWALL_HOME": home, "SHIELDWALL_ALLOW_PRIVATE_HOSTS": " 127.0.0.1,[::1], Hooks.Lan."}
    )
    assert config.allow_private_hosts == ("127.0.0.1", "::1", "hooks.lan")
    for bad in ("*.lan", "10.0.0.1:8080", "http://hooks.lan", "hooks lan", "169.254.169.254"):
        with pytest.raises(ConfigError, match="SHIELDWALL_ALLOW_PRIVATE_HOSTS"):
            load_config({"SHIELDWALL_HOME": home, "SHIELDWALL_ALLOW_PRIVATE_HOSTS": bad})
    assert load_config({"SHIELDWALL_HOME": home}).allow_private_hosts == ()
