"""Staff accounts: created, given roles (Django groups) and disabled, each change audited.

The Django admin only shows staff; these verbs (behind `shieldwall staff ...`) change them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from shieldwall.core import audit
from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import Conflict, Invalid, NotFound
from shieldwall.core.events import CoreEvent
from shieldwall.core.roles import ROLES, ensure_roles

MANAGE_STAFF = "auth.add_user"


def _check_roles(roles: Sequence[str]) -> None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Invalid("invalid_role", f"Unknown role {unknown[0]!r}; roles: {', '.join(ROLES)}.")


def _staff(username: str) -> Any:
    user = get_user_model().objects.select_for_update().filter(username=username).first()
    if user is None:
        raise NotFound("user_not_found", f"No staff user is named {username!r}.")
    return user


def create_staff_user(
    *,
    username: str,
    roles: Sequence[str],
    actor: Actor,
    email: str = "",
    password: str = "",
    superuser: bool = False,
) -> tuple[Any, str]:
    """Create a staff user in the given roles; return it and the generated password, if any."""
    require(actor, MANAGE_STAFF)
    _check_roles(roles)
    generated = ""
    if not password:
        password = generated = secrets.token_urlsafe(15)
    user_model = get_user_model()
    candidate = user_model(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise Invalid("weak_password", " ".join(exc.messages), field="password") from None
    with transaction.atomic():
        if user_model.objects.filter(username=username).exists():
            raise Conflict("user_exists", f"A staff user named {username!r} already exists.")
        if Group.objects.filter(name__in=roles).count() != len(set(roles)):
            ensure_roles()
        user = user_model.objects.create_user(
            username=username,
            email=email,
            password=password,
            is_staff=True,
            is_superuser=superuser,
        )
        user.groups.set(Group.objects.filter(name__in=roles))
        audit.record(
            actor=actor,
            action=CoreEvent.STAFF_CREATED,
            subject_type="user",
            subject_id=user.pk,
            data={"username": username, "roles": sorted(roles), "superuser": superuser},
        )
    return user, generated


def set_staff_roles(*, username: str, roles: Sequence[str], actor: Actor) -> Any:
    """Give a staff user exactly these roles (none takes every role away)."""
    require(actor, MANAGE_STAFF)
    _check_roles(roles)
    with transaction.atomic():
        user = _staff(username)
        ensure_roles()
        before = sorted(user.groups.values_list("name", flat=True))
        if before != sorted(set(roles)):
            user.groups.set(Group.objects.filter(name__in=roles))
            audit.record(
                actor=actor,
                action=CoreEvent.STAFF_ROLES_CHANGED,
                subject_type="user",
                subject_id=user.pk,
                data={"username": username, "from": before, "to": sorted(set(roles))},
            )
    return user


def set_staff_active(*, username: str, active: bool, actor: Actor) -> Any:
    """Disable a staff user or enable them again. A disabled user cannot sign in, and their
    open sessions end at their next request (Django's model backend refuses inactive users)."""
    require(actor, MANAGE_STAFF)
    with transaction.atomic():
        user = _staff(username)
        if user.is_active != active:
            user.is_active = active
            user.save(update_fields=["is_active"])
            audit.record(
                actor=actor,
                action=CoreEvent.STAFF_ENABLED if active else CoreEvent.STAFF_DISABLED,
                subject_type="user",
                subject_id=user.pk,
                data={"username": username},
            )
    return user
