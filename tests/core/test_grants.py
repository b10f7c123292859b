"""Each app declares its permissions; core collects them and refuses a grant it cannot honour."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from types import ModuleType

import pytest

from shieldwall.core import roles
from shieldwall.core.audit import EventType, event_types
from shieldwall.core.roles import ADMIN, MODERATOR, Grants, UnknownGrant


@pytest.fixture
def fresh_grants() -> Iterator[None]:
    roles._collected.cache_clear()
    yield
    roles._collected.cache_clear()


def _app_with(monkeypatch: pytest.MonkeyPatch, grants: object) -> None:
    module = ModuleType("shieldwall.fakeapp.permissions")
    module.GRANTS = grants  # type: ignore[attr-defined]
    real = roles._grants_of
    monkeypatch.setattr(roles, "_app_names", lambda: ["shieldwall.core", "shieldwall.fakeapp"])
    monkeypatch.setattr(
        roles,
        "_grants_of",
        lambda app: module.GRANTS if app == "shieldwall.fakeapp" else real(app),
    )


def test_each_apps_grants_reach_the_roles_and_scopes() -> None:
    assert "cases.act_on_case" in roles.role_permissions(MODERATOR)
    assert "banks.manage_protected_bank" in roles.role_permissions(ADMIN)
    assert "banks.manage_protected_bank" not in roles.role_permissions(MODERATOR)
    assert roles.scope_permissions(["scan"]) == {"banks.scan_media"}
    assert "subjects.configure_platform" not in roles.platform_permissions()


@pytest.mark.django_db
def test_a_granted_permission_no_model_declares_fails_loudly(
    monkeypatch: pytest.MonkeyPatch, fresh_grants: None
) -> None:
    _app_with(monkeypatch, Grants(roles={ADMIN: ("fakeapp.launch_rockets",)}))
    with pytest.raises(UnknownGrant, match=r"fakeapp\.launch_rockets"):
        roles.ensure_roles()


def test_a_grant_to_a_role_that_does_not_exist_fails_loudly(
    monkeypatch: pytest.MonkeyPatch, fresh_grants: None
) -> None:
    _app_with(monkeypatch, Grants(roles={"janitor": ("cases.view_case",)}))
    with pytest.raises(UnknownGrant, match="janitor"):
        roles.role_permissions(ADMIN)


def test_a_grant_to_a_scope_that_does_not_exist_fails_loudly(
    monkeypatch: pytest.MonkeyPatch, fresh_grants: None
) -> None:
    _app_with(monkeypatch, Grants(scopes={"everything": ("cases.view_case",)}))
    with pytest.raises(UnknownGrant, match="everything"):
        roles.scope_permissions(["scan"])


def test_a_permissions_module_without_grants_fails_loudly(
    monkeypatch: pytest.MonkeyPatch, fresh_grants: None
) -> None:
    monkeypatch.setattr(roles, "_app_names", lambda: ["shieldwall.fakeapp"])
    monkeypatch.setattr(roles.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(roles.importlib, "import_module", lambda name: ModuleType(name))
    with pytest.raises(UnknownGrant, match="GRANTS"):
        roles.role_permissions(ADMIN)


def test_audit_event_types_are_collected_and_a_name_declared_twice_is_refused() -> None:
    class FirstEvent(EventType):
        THING = "test.thing_happened"

    event_types.cache_clear()
    try:
        assert event_types()["test.thing_happened"] is FirstEvent.THING

        class SecondEvent(EventType):
            THING = "test.thing_happened"

        event_types.cache_clear()
        with pytest.raises(LookupError, match=r"test\.thing_happened"):
            event_types()
    finally:
        # The test's classes must not outlive it: later collections would see the clash.
        del FirstEvent, SecondEvent
        gc.collect()
        event_types.cache_clear()
