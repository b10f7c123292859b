"""The shared spellings: one host form per purpose, one alphabet for ids people read."""

from __future__ import annotations

import pytest

from shieldwall.config import load_config
from shieldwall.core import crockford
from shieldwall.core.egress import is_loopback_name
from shieldwall.hosts import ascii_host, bare_host
from shieldwall.integrations.services import new_action_id
from shieldwall.subjects.links import host_of, normalise_host


@pytest.mark.parametrize(
    ("given", "bare"),
    [(" Hooks.LAN. ", "hooks.lan"), ("[::1]", "::1"), ("127.0.0.1", "127.0.0.1"), ("", "")],
)
def test_a_bare_host_is_how_allow_lists_compare(given: str, bare: str) -> None:
    assert bare_host(given) == bare


def test_the_allow_list_and_the_connection_check_spell_a_host_alike(tmp_path: object) -> None:
    """A host the operator allows is found by the check however the URL spelt it."""
    env = {"SHIELDWALL_HOME": str(tmp_path), "SHIELDWALL_ALLOW_PRIVATE_HOSTS": "[::1],Hooks.Lan."}
    allowed = load_config(env).allow_private_hosts
    assert bare_host("[::1]") in allowed
    assert bare_host("hooks.lan.") in allowed
    assert is_loopback_name("[::1]")
    assert is_loopback_name("LOCALHOST.")


@pytest.mark.parametrize(
    ("given", "ascii"),
    [
        ("Bücher.Example.", "xn--bcher-kva.example"),
        (" Tidepool.Example ", "tidepool.example"),
        ("[::1]:8001", "[::1]:8001"),
    ],
)
def test_an_ascii_host_is_how_platform_hosts_are_registered(given: str, ascii: str) -> None:
    assert ascii_host(given) == ascii


def test_a_registered_host_and_a_link_to_it_read_as_one_host() -> None:
    """The platform registers a host in one spelling and a person pastes another."""
    assert normalise_host("Bücher.Example.") == host_of("https://BÜCHER.example./p/1")
    assert normalise_host("[::1]:8001") == host_of("http://[::1]:8001/p/1")


def test_a_name_without_an_ascii_form_is_refused() -> None:
    with pytest.raises(UnicodeError):
        ascii_host("é" * 64 + ".example")  # a label longer than 63 characters


def test_crockford_writes_the_most_significant_digit_first() -> None:
    assert crockford.encode(0, 3) == "000"
    assert crockford.encode(31, 1) == "Z"
    assert crockford.encode(32, 2) == "10"
    assert crockford.encode(32, 1) == "0"  # only the lowest 5 * length bits
    numbers = [0, 5, 31, 32, 1000, 2**40]
    assert sorted(numbers, key=lambda n: crockford.encode(n, 9)) == numbers
    assert not set("ILOU") & set(crockford.ALPHABET)


def test_crockford_refuses_what_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        crockford.encode(-1, 4)
    with pytest.raises(ValueError, match="length"):
        crockford.encode(1, 0)


def test_crockford_knows_its_own_text() -> None:
    assert crockford.is_encoded(crockford.encode(12345, 8), 8)
    assert not crockford.is_encoded("0000000I", 8)
    assert not crockford.is_encoded("000", 8)


def test_action_ids_are_ulids_in_the_shared_alphabet() -> None:
    first = new_action_id()
    assert first.startswith("act_")
    assert crockford.is_encoded(first.removeprefix("act_"), 26)
    assert first.removeprefix("act_")[0] in "01234567"  # 130 bits hold a 128-bit ULID
