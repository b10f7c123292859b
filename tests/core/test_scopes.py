"""Platform API key scopes: each allows its calls and nothing else; set, shown and changed."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shieldwall.banks.events import BankEvent
from shieldwall.banks.kinds import BankKind
from shieldwall.core import apikeys
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Invalid
from shieldwall.core.events import CoreEvent
from shieldwall.core.models import ApiKey, AuditEvent
from shieldwall.core.roles import DEFAULT_SCOPES, SCOPES
from tests.cli_support import Shieldwall
from tests.photos import jpeg, photo

pytestmark = pytest.mark.django_db


def call(client: Client, scope: str) -> Any:
    """One request that needs exactly this scope."""
    match scope:
        case "scan":
            return client.post(
                "/api/v1/scan", {"media": SimpleUploadedFile("a.jpg", jpeg(photo("coffee")))}
            )
        case "lookup":
            return client.post("/api/v1/lookup", {"md5": "0" * 32}, content_type="application/json")
        case "events":
            return client.post("/api/v1/events", {"events": []}, content_type="application/json")
        case "reports":
            return client.get("/api/v1/reports/rep_nothing")
        case "actions":
            return client.get("/api/v1/actions")
        case "banks":
            return client.get("/api/v1/banks")
        case "platform":
            return client.get("/api/v1/platform")
    raise AssertionError(scope)


def test_the_scopes_are_the_platform_calls() -> None:
    assert SCOPES == (
        "actions",
        "banks",
        "events",
        "lookup",
        "platform",
        "reports",
        "scan",
        "search",
    )
    assert set(DEFAULT_SCOPES) == set(SCOPES) - {"banks", "platform"}


@pytest.mark.parametrize("granted", SCOPES)
def test_a_key_with_one_scope_makes_only_that_call(actor: Actor, granted: str) -> None:
    _, secret = apikeys.create_api_key(name=f"only-{granted}", actor=actor, scopes=[granted])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    for scope in SCOPES:
        r = call(client, scope)
        if scope == granted:
            assert r.status_code not in (401, 403), (scope, r.content)  # past the gate
        else:
            assert r.status_code == 403, (scope, r.content)
            assert r.json()["error"]["code"] == "forbidden"


def test_a_new_key_has_the_default_scopes_without_banks(actor: Actor) -> None:
    key, secret = apikeys.create_api_key(name="platform", actor=actor)
    assert key.scopes == sorted(DEFAULT_SCOPES)
    assert AuditEvent.objects.get(action=CoreEvent.APIKEY_CREATED).data["scopes"] == sorted(
        DEFAULT_SCOPES
    )
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert call(client, "scan").status_code == 200
    r = client.post("/api/v1/banks", {"name": "mine"}, content_type="application/json")
    assert r.status_code == 403
    assert "banks.manage_bank" in r.json()["error"]["message"]


@pytest.mark.parametrize("scopes", [["everything"], [], ["scan", "root"]])
def test_unknown_or_no_scopes_are_refused(actor: Actor, scopes: list[str]) -> None:
    with pytest.raises(Invalid) as exc:
        apikeys.create_api_key(name="k", actor=actor, scopes=scopes)
    assert (exc.value.code, exc.value.field) == ("invalid_scope", "scopes")
    assert not ApiKey.objects.exists()


def test_changing_scopes_takes_effect_at_once_and_is_audited(actor: Actor) -> None:
    _, secret = apikeys.create_api_key(name="platform", actor=actor, scopes=["scan", "banks"])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert call(client, "banks").status_code == 200  # now cached as allowed
    apikeys.set_api_key_scopes(name="platform", scopes=["scan"], actor=actor)
    assert call(client, "banks").status_code == 403
    event = AuditEvent.objects.get(action=CoreEvent.APIKEY_SCOPES_CHANGED)
    assert (event.data["from"], event.data["to"]) == (["banks", "scan"], ["scan"])


def test_a_platform_key_cannot_widen_its_own_scopes(actor: Actor) -> None:
    from shieldwall.core.errors import Forbidden

    _, secret = apikeys.create_api_key(name="platform", actor=actor, scopes=SCOPES)
    platform = apikeys.authenticate(secret)
    assert platform is not None
    with pytest.raises(Forbidden):
        apikeys.set_api_key_scopes(name="platform", scopes=SCOPES, actor=platform)


def _migration(app: str, name: str) -> Any:
    return importlib.import_module(f"shieldwall.{app}.migrations.{name}")


def test_keys_from_before_scopes_keep_everything_they_could_do(actor: Actor) -> None:
    migration = _migration("core", "0005_apikey_scopes")
    apikeys.create_api_key(name="old", actor=actor, scopes=["scan"])
    ApiKey.objects.update(scopes=[])  # as the column is added to an existing row
    migration.grant_existing_keys_every_scope(apps, None)
    # What they could do before: everything but the platform profile, which came with scopes.
    assert ApiKey.objects.get().scopes == [s for s in SCOPES if s != "platform"]


def test_banks_from_before_owners_get_their_owner_back_from_the_audit_log(actor: Actor) -> None:
    from shieldwall.banks import services
    from shieldwall.banks.models import Bank
    from shieldwall.core import audit

    migration = _migration("banks", "0003_bank_owner_and_protection")
    _, secret = apikeys.create_api_key(name="old", actor=actor, scopes=SCOPES)
    platform = apikeys.authenticate(secret)
    assert platform is not None
    services.create_bank(name="theirs", actor=platform)
    services.create_bank(name="staffs", actor=actor)
    # Before the guard, any key could create a protected bank: it stays without an owner.
    services.create_bank(name="verified", actor=actor, kind=BankKind.VERIFIED_CSAM, reason="test")
    audit.record(
        actor=platform,
        action=BankEvent.CREATED,
        subject_type="bank",
        subject_id=Bank.objects.get(name="verified").pk,
        data={"name": "verified"},
    )
    # Before the name was reserved, a key could take the removed-media bank's name first.
    squatted = services.create_bank(name="squat", actor=platform)
    Bank.objects.filter(pk=squatted.pk).update(name="platform-removed")
    audit.record(
        actor=platform,
        action=BankEvent.CREATED,
        subject_type="bank",
        subject_id=squatted.pk,
        data={"name": "platform-removed"},
    )
    Bank.objects.update(owner=None)
    migration.owners_from_the_audit_log(apps, None)
    owners = dict(Bank.objects.values_list("name", "owner__name"))
    assert owners == {
        "theirs": "old",
        "staffs": None,
        "verified": None,
        "platform-removed": None,
    }
    assert Bank.objects.get(name="platform-removed").kind == "platform_removed"


@pytest.mark.slow
def test_the_command_line_creates_scoped_keys_and_lists_their_scopes(sw: Shieldwall) -> None:
    r = sw("apikey", "create", "narrow", "--scope", "scan", "--scope", "lookup,events")
    assert r.code == 0, r.err
    assert "with scopes events,lookup,scan" in r.err
    assert sw("apikey", "create", "default").code == 0
    r = sw("apikey", "create", "bad", "--scope", "admin")
    assert r.code == 1
    assert "Unknown scope 'admin'" in r.err
    listed = sw("apikey", "list").out
    assert "narrow\t" in listed
    assert "scopes events,lookup,scan" in listed
    assert "scopes actions,events,lookup,reports,scan" in listed
    r = sw("apikey", "scopes", "narrow", "--scope", "banks")
    assert (r.code, r.out.strip()) == (0, "API key 'narrow' now has scopes banks")
    assert "scopes banks\t" in sw("apikey", "list").out
