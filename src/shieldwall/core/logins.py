"""Staff sign-in throttling: pauses per account and per client address, shared and audited.

Failures are counted in `core.throttle`'s shared windows. After N failures for one account
(whether or not it exists, so the pause says nothing about that) or M from one address,
sign-in pauses for the cool-off, counted from the failure that reached the limit. Attempts
during a pause are refused without checking the password and are not counted.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from shieldwall.core import audit, throttle
from shieldwall.core.actors import Actor, ActorKind
from shieldwall.core.clients import rate_bucket
from shieldwall.core.events import CoreEvent

log = structlog.get_logger("shieldwall.logins")
SIGN_IN = Actor(kind=ActorKind.PUBLIC, name="sign-in")


@dataclass(frozen=True)
class Pause:
    """Sign-in is paused until this moment."""

    until: datetime

    def minutes_left(self, *, now: datetime) -> int:
        """Whole minutes until sign-in opens again (at least 1)."""
        return max(1, math.ceil((self.until - now).total_seconds() / 60))


def _window() -> timedelta:
    return timedelta(minutes=settings.SHIELDWALL.login_pause_minutes)


def _account_key(username: str) -> str:
    # Keyed, so the table never shows what was typed as a username (sometimes a password).
    digest = hmac.new(
        settings.SECRET_KEY.encode(), username.casefold().encode(), hashlib.sha256
    ).hexdigest()
    return f"login-account:{digest[:40]}"


def _address_key(address: str) -> str:
    return f"login-address:{rate_bucket(address)}"


def current_pause(*, username: str, address: str, now: datetime) -> Pause | None:
    """The pause in force for this account or this address, if any."""
    config = settings.SHIELDWALL
    ends = []
    for key, limit in (
        (_account_key(username), config.login_failures_per_account),
        (_address_key(address), config.login_failures_per_address),
    ):
        counted = throttle.current(key=key, window=_window(), now=now)
        if counted.hits >= limit:
            ends.append(counted.until)
    return Pause(max(ends)) if ends else None


def count_failure(*, username: str, address: str, now: datetime) -> Pause | None:
    """Count a failed sign-in; the pause it starts, if it reached a limit."""
    config = settings.SHIELDWALL
    reached, ends = [], []
    for scope, key, limit in (
        ("account", _account_key(username), config.login_failures_per_account),
        ("address", _address_key(address), config.login_failures_per_address),
    ):
        counted = throttle.hit(key=key, limit=limit, window=_window(), now=now)
        if counted.hits >= limit:
            ends.append(counted.until)
        if counted.hits == limit:  # exactly one failure, in one process, reaches it
            reached.append(scope)
    if reached:
        known = get_user_model().objects.filter(username=username).exists()
        with transaction.atomic():
            audit.record(
                actor=SIGN_IN,
                action=CoreEvent.LOGIN_PAUSED,
                subject_type="user" if known else "",
                subject_id=username if known else "",
                data={"by": reached, "address": address, "minutes": config.login_pause_minutes},
            )
        log.warning("login.paused", by=reached, minutes=config.login_pause_minutes)
    return Pause(max(ends)) if ends else None


def clear_account(*, username: str) -> None:
    """A successful sign-in forgets its account's failures (not its address's)."""
    throttle.clear(key=_account_key(username))


def lift_pause(*, username: str, actor: Actor) -> None:
    """An operator ends an account's pause now (someone kept a colleague's sign-in paused)."""
    with transaction.atomic():
        throttle.clear(key=_account_key(username))
        audit.record(
            actor=actor, action=CoreEvent.LOGIN_UNPAUSED, subject_type="user", subject_id=username
        )
