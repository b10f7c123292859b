"""Who did something: a staff user, a platform API key, the command line or the system."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

from shieldwall.core.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    """The caller of a service, as recorded in the audit log and checked for permissions."""

    kind: str  # "user", "apikey", "cli", "system"
    name: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    superuser: bool = False

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"

    def can(self, permission: str) -> bool:
        return self.superuser or permission in self.permissions


def cli_actor() -> Actor:
    """The operator at the machine's shell: full rights, named by their login."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Actor(kind="cli", name=name, superuser=True)


SYSTEM = Actor(kind="system", name="shieldwall", superuser=True)


def require(actor: Actor, permission: str) -> None:
    """Refuse with Forbidden unless the actor holds the permission."""
    if not actor.can(permission):
        raise Forbidden(
            "forbidden", f"{actor.label} is not allowed to do this (needs {permission})."
        )
