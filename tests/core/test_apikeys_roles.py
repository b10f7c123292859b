from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from shieldwall.core import apikeys
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Conflict, Forbidden
from shieldwall.core.events import CoreEvent
from shieldwall.core.models import ApiKey, AuditEvent
from shieldwall.core.roles import ROLES, user_actor
from shieldwall.core.staff import create_staff_user

pytestmark = pytest.mark.django_db


def test_key_is_stored_hashed_and_authenticates(actor: Actor) -> None:
    key, secret = apikeys.create_api_key(name="platform-a", actor=actor)
    stored = ApiKey.objects.get(pk=key.pk)
    assert secret not in (stored.key_hash, stored.prefix)
    assert secret.startswith("sw_")
    assert len(secret) > 40
    caller = apikeys.authenticate(secret)
    assert caller is not None
    assert caller.label == "apikey:platform-a"
    assert apikeys.authenticate(secret + "x") is None
    assert AuditEvent.objects.filter(action=CoreEvent.APIKEY_CREATED).count() == 1


def test_revoked_key_no_longer_authenticates(actor: Actor) -> None:
    _, secret = apikeys.create_api_key(name="platform-b", actor=actor)
    apikeys.revoke_api_key(name="platform-b", actor=actor)
    assert apikeys.authenticate(secret) is None


def test_duplicate_key_name_is_a_conflict(actor: Actor) -> None:
    apikeys.create_api_key(name="same", actor=actor)
    with pytest.raises(Conflict, match="already exists"):
        apikeys.create_api_key(name="same", actor=actor)


def test_roles_exist_after_migrate() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    admin = Group.objects.get(name="admin")
    assert admin.permissions.filter(codename="manage_bank").exists()
    assert not Group.objects.get(name="auditor").permissions.filter(codename="manage_bank").exists()


def test_staff_roles_are_enforced_in_services(actor: Actor) -> None:
    from shieldwall.banks.services import create_bank

    auditor, _ = create_staff_user(username="audrey", roles=["auditor"], actor=actor)
    admin, _ = create_staff_user(username="ada", roles=["admin"], actor=actor)
    with pytest.raises(Forbidden, match="user:audrey is not allowed"):
        create_bank(name="nope", actor=user_actor(auditor))
    with pytest.raises(Forbidden):
        apikeys.create_api_key(name="k", actor=user_actor(auditor))
    assert create_bank(name="yes", actor=user_actor(admin)).name == "yes"


def test_platform_key_cannot_create_keys(actor: Actor) -> None:
    _, secret = apikeys.create_api_key(name="platform-c", actor=actor)
    platform = apikeys.authenticate(secret)
    assert platform is not None
    with pytest.raises(Forbidden):
        apikeys.create_api_key(name="escalate", actor=platform)


def test_revocation_elsewhere_takes_effect_within_the_cache_window(
    actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.utils import timezone

    _, secret = apikeys.create_api_key(name="busy-platform", actor=actor)
    assert apikeys.authenticate(secret) is not None
    # Another process revokes it: this one may still accept it for the cache window...
    ApiKey.objects.filter(name="busy-platform").update(revoked_at=timezone.now())
    assert apikeys.authenticate(secret) is not None
    # ...and refuses it once the window has passed.
    monkeypatch.setattr(apikeys, "time", SimpleNamespace(monotonic=lambda: 10.0**9))
    assert apikeys.authenticate(secret) is None
