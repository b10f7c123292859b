"""Platform API keys: created once (the secret is shown once), stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from shieldwall.core import audit
from shieldwall.core.actors import Actor, ActorKind, require
from shieldwall.core.errors import Conflict, Invalid, NotFound
from shieldwall.core.events import CoreEvent
from shieldwall.core.models import ApiKey
from shieldwall.core.permissions import MANAGE_API_KEYS
from shieldwall.core.roles import DEFAULT_SCOPES, SCOPES, scope_permissions

KEY_PREFIX = "sw_"
_TOUCH_EVERY = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes sorted and without repeats, or Invalid naming the unknown one."""
    cleaned = sorted({s.strip().lower() for s in scopes})
    for scope in cleaned:
        if scope not in SCOPES:
            raise Invalid(
                "invalid_scope",
                f"Unknown scope {scope!r}; scopes: {', '.join(SCOPES)}.",
                field="scopes",
            )
    if not cleaned:
        raise Invalid("invalid_scope", "A key needs at least one scope.", field="scopes")
    return cleaned


def create_api_key(
    *, name: str, actor: Actor, scopes: Iterable[str] = DEFAULT_SCOPES
) -> tuple[ApiKey, str]:
    """Create a key named NAME; return it with its secret, which is never shown again."""
    require(actor, MANAGE_API_KEYS)
    name = name.strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise Invalid(
            "invalid_name", "An API key needs a name of 1 to 100 characters.", field="name"
        )
    granted = clean_scopes(scopes)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        if ApiKey.objects.filter(name=name).exists():
            raise Conflict("name_taken", f"An API key named {name!r} already exists.", field="name")
        key = ApiKey.objects.create(
            name=name, prefix=secret[:10], key_hash=_hash(secret), scopes=granted
        )
        audit.record(
            actor=actor,
            action=CoreEvent.APIKEY_CREATED,
            subject_type="apikey",
            subject_id=key.pk,
            data={"name": name, "prefix": key.prefix, "scopes": granted},
        )
    return key, secret


def set_api_key_scopes(*, name: str, scopes: Iterable[str], actor: Actor) -> ApiKey:
    """Replace the scopes of the key named NAME; every process sees the change within seconds."""
    require(actor, MANAGE_API_KEYS)
    granted = clean_scopes(scopes)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(name=name).first()
        if key is None:
            raise NotFound("not_found", f"No API key is named {name!r}.")
        if key.scopes != granted:
            before, key.scopes = key.scopes, granted
            key.save(update_fields=["scopes"])
            _recent.clear()
            audit.record(
                actor=actor,
                action=CoreEvent.APIKEY_SCOPES_CHANGED,
                subject_type="apikey",
                subject_id=key.pk,
                data={"name": name, "from": before, "to": granted},
            )
    return key


def list_api_keys(*, actor: Actor) -> list[ApiKey]:
    """Every key, revoked ones too, by name (never their secrets: only hashes are kept)."""
    require(actor, MANAGE_API_KEYS)
    return list(ApiKey.objects.order_by("name"))


def revoke_api_key(*, name: str, actor: Actor) -> ApiKey:
    """Revoke the key named NAME; calls with it are refused from now on."""
    require(actor, MANAGE_API_KEYS)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(name=name).first()
        if key is None:
            raise NotFound("not_found", f"No API key is named {name!r}.")
        if key.revoked_at is None:
            _recent.clear()
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            audit.record(
                actor=actor,
                action=CoreEvent.APIKEY_REVOKED,
                subject_type="apikey",
                subject_id=key.pk,
                data={"name": name},
            )
    return key


# Keys recently seen valid, so a busy platform's calls skip the lookup. A revocation or a
# change of scopes reaches every serving process within this many seconds (at once in the
# process that made it).
AUTH_CACHE_SECONDS = 5.0
_recent: dict[str, tuple[Actor, float]] = {}


def authenticate(secret: str) -> Actor | None:
    """The platform Actor for a presented secret, or None if it is unknown or revoked."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    digest = _hash(secret)
    cached = _recent.get(digest)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    key = ApiKey.objects.filter(key_hash=digest, revoked_at__isnull=True).first()
    if key is None:
        _recent.pop(digest, None)
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    actor = Actor(kind=ActorKind.APIKEY, name=key.name, permissions=scope_permissions(key.scopes))
    if len(_recent) > 1000:
        _recent.clear()
    _recent[digest] = (actor, time.monotonic() + AUTH_CACHE_SECONDS)
    return actor
