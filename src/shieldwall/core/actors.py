"""Who did something: a staff user, a platform API key, the command line or the system."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from enum import StrEnum

from shieldwall.core.errors import Forbidden


class ActorKind(StrEnum):
    """Who acts, as the audit log's actor label begins (`apikey:NAME`); migrations and
    auditors read these prefixes, so a stored kind never changes."""

    USER = "user"
    APIKEY = "apikey"
    CLI = "cli"
    SYSTEM = "system"
    WEBHOOK = "webhook"  # a platform's answer to a delivery, taken as its ack
    PUBLIC = "public"  # someone not signed in: the report page, a sign-in attempt


@dataclass(frozen=True)
class Actor:
    """The caller of a service, as recorded in the audit log and checked for permissions."""

    kind: ActorKind
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
    return Actor(kind=ActorKind.CLI, name=name, superuser=True)


SYSTEM = Actor(kind=ActorKind.SYSTEM, name="shieldwall", superuser=True)


def require(actor: Actor, permission: str) -> None:
    """Refuse with Forbidden unless the actor holds the permission."""
    if not actor.can(permission):
        raise Forbidden(
            "forbidden", f"{actor.label} is not allowed to do this (needs {permission})."
        )
