"""A platform key learns that a protected bank matched, never which entry or how closely."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.photos import jpeg, photo

from shieldwall.banks import services as banks
from shieldwall.banks.kinds import BankAction
from shieldwall.core import apikeys
from shieldwall.core.actors import Actor
from shieldwall.media import hash_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(actor: Actor) -> Client:
    """A platform's key with the default scopes."""
    _, secret = apikeys.create_api_key(name="platform", actor=actor)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _bank(actor: Actor, name: str, kind: str, data: bytes) -> None:
    banks.create_bank(
        name=name, actor=actor, kind=kind, action=BankAction.BLOCK, reason="test bank"
    )
    banks.add_media(bank_name=name, data=data, actor=actor, reason="test bank")


def _lookup(client: Client, **hashes: Any) -> dict[str, Any]:
    r = client.post("/api/v1/lookup", hashes, content_type="application/json")
    assert r.status_code == 200, r.content
    return dict(r.json())


def _flip(pdq: str, bit: int) -> str:
    return f"{int(pdq, 16) ^ (1 << bit):064x}"


@pytest.mark.parametrize("kind", ["verified_csam", "ncii", "platform_removed"])
def test_lookups_of_a_protected_bank_say_block_and_nothing_more(
    actor: Actor, platform: Client, kind: str
) -> None:
    data = jpeg(photo("chelsea"))
    _bank(actor, "protected", kind, data)
    pdq = hash_bytes(data).pdq
    assert pdq is not None
    near = _flip(_flip(pdq, 3), 200)  # two bits away: still a match
    answers = [_lookup(platform, pdq=h) for h in (near, _flip(near, 3), _flip(near, 4))]
    for answer in answers:
        assert answer["verdict"] == "block"
        for match in answer["matches"]:
            assert match["bank"] == "protected"
            assert match["withheld"] is True
            assert (match["entry_id"], match["distance"], match["variant_of"]) == (None,) * 3
    # Flipping a bit back towards the banked hash and away from it answer alike: no gradient.
    assert answers[1]["matches"] == answers[2]["matches"]


def test_scans_withhold_a_protected_banks_entry_and_distance(
    actor: Actor, platform: Client
) -> None:
    data = jpeg(photo("chelsea"))
    _bank(actor, "verified", "verified_csam", data)
    r = platform.post("/api/v1/scan", {"media": SimpleUploadedFile("a.jpg", data)})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["verdict"] == "block"
    assert body["matches"]
    assert all(m["withheld"] and m["distance"] is None for m in body["matches"])


def test_an_exchange_filled_bank_is_withheld_too(actor: Actor, platform: Client) -> None:
    from shieldwall.banks.models import Bank, BankExchange

    data = jpeg(photo("coffee"))
    _bank(actor, "from-exchange", "custom", data)
    BankExchange.objects.create(bank=Bank.objects.get(name="from-exchange"), api="file")
    matches = _lookup(platform, md5=hash_bytes(data).md5)["matches"]
    assert [m["withheld"] for m in matches] == [True]


def test_a_custom_banks_matches_keep_their_detail(actor: Actor, platform: Client) -> None:
    data = jpeg(photo("coffee"))
    _bank(actor, "ours", "custom", data)
    pdq = hash_bytes(data).pdq
    assert pdq is not None
    matches = _lookup(platform, pdq=_flip(pdq, 7))["matches"]
    assert matches
    assert all(not m["withheld"] and m["entry_id"] for m in matches)
    assert min(m["distance"] for m in matches) == 1
