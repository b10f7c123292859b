"""What a platform key may do with banks: its own custom banks, not protected ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shieldwall.banks import services
from shieldwall.banks.events import BankEvent
from shieldwall.banks.models import Bank, BankEntry
from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.core.roles import DEFAULT_SCOPES, SCOPES
from tests.banks.conftest import MD5_B, PROTECTED_FLAVOURS, fill, key_client, snapshot
from tests.photos import jpeg, photo

pytestmark = pytest.mark.django_db

ATTEMPTS = (
    "disable",
    "review_only",
    "threshold_0",
    "make_custom",
    "add_hashes",
    "add_media",
    "import",
    "export",
    "read_entries",
    "disable_entry",
    "delete_entry",
    "withdraw_case",
)


def attempt(client: Client, what: str, bank: str) -> Any:
    """One try at changing the bank, or at reading its hashes, as a platform would make it."""
    entry = BankEntry.objects.filter(bank__name=bank).order_by("id").first()
    entry_id = entry.pk if entry else 1
    base = f"/api/v1/banks/{bank}"

    def patch(path: str, body: dict[str, Any]) -> Any:
        return client.patch(path, json.dumps(body), content_type="application/json")

    match what:
        case "disable":
            return patch(base, {"enabled": False})
        case "review_only":
            return patch(base, {"action": "review"})
        case "threshold_0":
            return patch(base, {"pdq_threshold": 0})
        case "make_custom":
            return patch(base, {"kind": "custom"})
        case "add_hashes":
            body = {"hashes": [{"signal_type": "md5", "value": MD5_B}]}
            return client.post(f"{base}/hashes", json.dumps(body), content_type="application/json")
        case "add_media":
            media = SimpleUploadedFile("a.jpg", jpeg(photo("coffee")))
            return client.post(f"{base}/media", {"media": media})
        case "import":
            listing = SimpleUploadedFile("l.csv", f"md5,{MD5_B}\n".encode())
            return client.post(f"{base}/import", {"file": listing})
        case "export":
            return client.get(f"{base}/export")
        case "read_entries":
            return client.get(f"{base}/entries")
        case "disable_entry":
            return patch(f"{base}/entries/{entry_id}", {"enabled": False})
        case "delete_entry":
            return client.delete(f"{base}/entries/{entry_id}")
        case "withdraw_case":
            return client.delete(f"{base}/external/case-1")
    raise AssertionError(what)


def error(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json")
    return dict(response.json()["error"])


@pytest.mark.parametrize("flavour", PROTECTED_FLAVOURS)
@pytest.mark.parametrize("what", ATTEMPTS)
def test_no_platform_key_changes_or_reads_a_protected_bank(
    actor: Actor, bank_maker: Callable[[str], str], flavour: str, what: str
) -> None:
    name = bank_maker(flavour)
    with_banks = key_client(actor, "with-banks", SCOPES)
    without = key_client(actor, "without-banks", DEFAULT_SCOPES)
    before = snapshot(name)

    refused = attempt(with_banks, what, name)
    assert refused.status_code == 403, refused.content
    assert error(refused)["code"] == "protected_bank"
    assert "protected" in error(refused)["message"]
    assert snapshot(name) == before  # nothing changed and nothing audited
    assert MD5_B not in refused.content.decode()

    refused = attempt(without, what, name)
    assert refused.status_code == 403, refused.content
    assert error(refused)["code"] == "forbidden"
    assert snapshot(name) == before


@pytest.mark.parametrize("flavour", PROTECTED_FLAVOURS)
def test_a_key_still_sees_that_protected_banks_exist(
    actor: Actor, bank_maker: Callable[[str], str], flavour: str
) -> None:
    name = bank_maker(flavour)
    client = key_client(actor, "with-banks", SCOPES)
    listed = {b["name"]: b for b in client.get("/api/v1/banks").json()}
    assert listed[name]["protected"] is True
    assert sum(listed[name]["entry_counts"].values()) == 2
    one = client.get(f"/api/v1/banks/{name}").json()
    assert (one["protected"], one["enabled"], one["action"]) == (True, True, "block")
    assert "value" not in json.dumps(one)


@pytest.mark.parametrize("kind", ["verified_csam", "ncii", "platform_removed"])
def test_a_key_cannot_create_a_protected_bank(actor: Actor, kind: str) -> None:
    client = key_client(actor, "with-banks", SCOPES)
    r = client.post(
        "/api/v1/banks", {"name": "mine", "kind": kind}, content_type="application/json"
    )
    assert r.status_code == 403
    assert (error(r)["code"], error(r)["field"]) == ("protected_kind", "kind")
    assert not Bank.objects.exists()
    assert not AuditEvent.objects.filter(action=BankEvent.CREATED).exists()


def test_a_key_cannot_take_the_name_shieldwall_banks_removed_media_into(actor: Actor) -> None:
    from shieldwall.banks.kinds import RESERVED_NAMES
    from shieldwall.cases.services import REMOVED_BANK

    assert REMOVED_BANK in RESERVED_NAMES
    client = key_client(actor, "with-banks", SCOPES)
    r = client.post("/api/v1/banks", {"name": REMOVED_BANK}, content_type="application/json")
    assert r.status_code == 403
    assert error(r)["code"] == "reserved_name"
    assert not Bank.objects.exists()


def test_a_key_cannot_make_its_own_bank_protected(actor: Actor) -> None:
    client = key_client(actor, "with-banks", SCOPES)
    r = client.post("/api/v1/banks", {"name": "mine"}, content_type="application/json")
    assert r.status_code == 201
    r = client.patch(
        "/api/v1/banks/mine", json.dumps({"kind": "verified_csam"}), content_type="application/json"
    )
    assert r.status_code == 403
    assert error(r)["code"] == "protected_kind"
    assert Bank.objects.get(name="mine").kind == "custom"


def _own_bank(actor: Actor) -> tuple[Client, str]:
    owner = key_client(actor, "owner", SCOPES)
    r = owner.post(
        "/api/v1/banks", {"name": "mine", "action": "block"}, content_type="application/json"
    )
    assert r.status_code == 201
    fill("mine", actor)
    return owner, "mine"


@pytest.mark.parametrize("what", ATTEMPTS)
def test_a_key_cannot_touch_another_keys_bank(actor: Actor, what: str) -> None:
    _own_bank(actor)
    other = key_client(actor, "other", SCOPES)
    before = snapshot("mine")
    r = attempt(other, what, "mine")
    assert r.status_code == 403, r.content
    assert error(r)["code"] == "not_bank_owner"
    assert snapshot("mine") == before


@pytest.mark.parametrize("what", [w for w in ATTEMPTS if w != "make_custom"])
def test_a_key_changes_and_reads_its_own_bank(actor: Actor, what: str) -> None:
    owner, name = _own_bank(actor)
    before = snapshot(name)
    r = attempt(owner, what, name)
    assert 200 <= r.status_code < 300, r.content
    if what in ("export", "read_entries"):
        assert snapshot(name) == before  # a read of its own bank is not audited
    else:
        assert snapshot(name) != before
        event = AuditEvent.objects.order_by("-seq").first()
        assert event is not None
        assert event.actor == "apikey:owner"


def test_a_bank_a_key_creates_is_owned_by_it_and_audited_so(actor: Actor) -> None:
    _own_bank(actor)
    bank = Bank.objects.select_related("owner").get(name="mine")
    assert bank.owner is not None
    assert bank.owner.name == "owner"
    created = AuditEvent.objects.get(action=BankEvent.CREATED)
    assert (created.actor, created.data["owner"]) == ("apikey:owner", "owner")


def test_staff_filling_a_keys_bank_from_an_exchange_takes_it_out_of_the_keys_hands(
    actor: Actor, tmp_path: Any
) -> None:
    from shieldwall.banks.exchanges import add_exchange

    owner, name = _own_bank(actor)
    listing = tmp_path / "list.txt"
    listing.write_text("")
    add_exchange(
        bank_name=name, api="file", config={"path": str(listing)}, actor=actor, reason="shared"
    )
    r = attempt(owner, "disable", name)
    assert (r.status_code, error(r)["code"]) == (403, "protected_bank")
    assert services.get_bank(name).enabled
