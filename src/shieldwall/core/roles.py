"""Staff roles, platform key scopes, and the permissions each app grants to them.

Each app declares its own permissions in `<app>/permissions.py`: the codenames (which its
models' `Meta.permissions` create) and a `GRANTS` saying which roles and which key scopes hold
each. This module collects them from the installed apps by name (core imports no feature app)
and fails loudly on a grant it cannot honour: a permission no model declares, a role or scope
that does not exist.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from shieldwall.core.actors import Actor, ActorKind

ADMIN, LEAD, MODERATOR, TRIAGE, COMPLIANCE, AUDITOR = (
    "admin",
    "lead",
    "moderator",
    "triage",
    "compliance",
    "auditor",
)
ROLES = (ADMIN, LEAD, MODERATOR, TRIAGE, COMPLIANCE, AUDITOR)

# What a platform's API key may be granted. Which permissions each scope carries is declared
# by the apps (their GRANTS); the names live here, since the command line reads them before
# Django starts.
SCOPES = ("actions", "banks", "events", "lookup", "platform", "reports", "scan", "search")
# A new key: every scope but its own banks and the platform profile (granted on purpose: a key
# holding `platform` decides which media hosts the desk loads).
DEFAULT_SCOPES = ("actions", "events", "lookup", "reports", "scan", "search")


@dataclass(frozen=True)
class Grants:
    """What one app grants: per role and per key scope, the permissions it holds."""

    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class UnknownGrant(LookupError):
    """An app grants something that does not exist: refused at start, never skipped."""


def _app_names() -> list[str]:
    from django.conf import settings

    return [name for name in settings.INSTALLED_APPS if name.startswith("shieldwall.")]


def _grants_of(app: str) -> Grants | None:
    module_name = f"{app}.permissions"
    if importlib.util.find_spec(module_name) is None:
        return None
    grants = getattr(importlib.import_module(module_name), "GRANTS", None)
    if not isinstance(grants, Grants):
        raise UnknownGrant(f"{module_name} has no GRANTS = Grants(...)")
    return grants


@dataclass(frozen=True)
class _Collected:
    roles: dict[str, frozenset[str]]
    scopes: dict[str, frozenset[str]]


def _merge(
    into: dict[str, set[str]],
    grants: Mapping[str, tuple[str, ...]],
    known: tuple[str, ...],
    what: str,
    app: str,
) -> None:
    for name, perms in grants.items():
        if name not in known:
            raise UnknownGrant(f"{app}.permissions grants to unknown {what} {name!r}")
        into.setdefault(name, set()).update(perms)


@cache
def _collected() -> _Collected:
    roles: dict[str, set[str]] = {role: set() for role in ROLES}
    scopes: dict[str, set[str]] = {scope: set() for scope in SCOPES}
    for app in _app_names():
        grants = _grants_of(app)
        if grants is None:
            continue
        _merge(roles, grants.roles, ROLES, "role", app)
        _merge(scopes, grants.scopes, SCOPES, "scope", app)
    return _Collected(
        roles={k: frozenset(v) for k, v in roles.items()},
        scopes={k: frozenset(v) for k, v in scopes.items()},
    )


def role_permissions(role: str) -> frozenset[str]:
    """The permissions the apps grant to one staff role."""
    return _collected().roles[role]


def scope_permissions(scopes: Iterable[str]) -> frozenset[str]:
    """The permissions a key with these scopes holds (unknown scopes grant nothing)."""
    table = _collected().scopes
    return frozenset(p for s in scopes for p in table.get(s, ()))


def platform_permissions() -> frozenset[str]:
    """What a new platform key may do (the default scopes)."""
    return scope_permissions(DEFAULT_SCOPES)


def declared_permissions() -> frozenset[str]:
    """Every permission some role or scope is granted."""
    found = _collected()
    return frozenset().union(*found.roles.values(), *found.scopes.values())


def ensure_roles(**_: Any) -> None:
    """Create the role groups and grant their permissions (idempotent; runs after migrate).

    A granted permission that no model declares is a mistake in an app: it raises, because a
    role silently missing a permission is found only when someone cannot do their work.
    """
    from django.contrib.auth.models import Group, Permission

    def lookup(perm: str) -> Any:
        app_label, codename = perm.split(".")
        found = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if found is None:
            raise UnknownGrant(f"permission {perm!r} is granted but no model declares it")
        return found

    every = {perm: lookup(perm) for perm in sorted(declared_permissions())}
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([every[perm] for perm in sorted(role_permissions(role))])


def user_actor(user: Any) -> Actor:
    """The Actor for a staff user, carrying the permissions of their groups."""
    return Actor(
        kind=ActorKind.USER,
        name=user.get_username(),
        permissions=frozenset(user.get_all_permissions()),
        superuser=bool(user.is_superuser),
    )
