"""Creating accounts; Shieldwall hears of each one."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from microblog.accounts.models import Block, Mute, Profile
from microblog.safety import events
from shieldwall_client import events as sw_events

HANDLE = re.compile(r"^[a-z0-9_]{3,30}$")


class SignUpError(Exception):
    """The sign-up cannot go ahead; the message is for the person signing up."""


def profile_url(handle: str) -> str:
    """The profile's public address, as given to Shieldwall."""
    return settings.PUBLIC_URL + reverse("profile", args=[handle])


def normalise_handle(handle: str) -> str:
    """Handles are lower case, without the `@`."""
    return handle.strip().lstrip("@").lower()


def sign_up(
    *,
    handle: str,
    display_name: str,
    password: str | None,
    bio: str = "",
    created_at: datetime | None = None,
) -> Profile:
    """Create the user and their profile; a None password makes an account that cannot log in."""
    handle = normalise_handle(handle)
    if not HANDLE.match(handle):
        raise SignUpError("Handles are 3 to 30 letters, digits or underscores.")
    user_model = get_user_model()
    with transaction.atomic():
        if user_model.objects.filter(username=handle).exists():
            raise SignUpError("That handle is taken.")
        user = user_model.objects.create_user(username=handle, password=password)
        profile = Profile.objects.create(
            user=user,
            handle=handle,
            display_name=display_name.strip() or handle,
            bio=bio,
            created_at=created_at or timezone.now(),
        )
        events.enqueue(
            [
                sw_events.account_created(
                    profile.public_id,
                    handle,
                    display_name=profile.display_name,
                    bio=bio or None,
                    created_at=profile.created_at,
                    url=profile_url(handle),
                )
            ]
        )
    return profile


def block(*, by: Profile, target: Profile) -> bool:
    """`by` blocks `target` (once); False when it was blocked already."""
    if by.pk == target.pk:
        raise ValueError("an account cannot block itself")
    _, made = Block.objects.get_or_create(blocker=by, blocked=target)
    return made


def unblock(*, by: Profile, target: Profile) -> bool:
    """Lift a block; False when there was none."""
    return bool(Block.objects.filter(blocker=by, blocked=target).delete()[0])


def mute(*, by: Profile, target: Profile) -> bool:
    """`by` mutes `target` (once); False when it was muted already."""
    if by.pk == target.pk:
        raise ValueError("an account cannot mute itself")
    _, made = Mute.objects.get_or_create(muter=by, muted=target)
    return made


def unmute(*, by: Profile, target: Profile) -> bool:
    """Lift a mute; False when there was none."""
    return bool(Mute.objects.filter(muter=by, muted=target).delete()[0])


def relation(viewer: Profile | None, other: Profile) -> tuple[bool, bool]:
    """Whether the viewer has (blocked, muted) the other account."""
    if viewer is None or viewer.pk == other.pk:
        return False, False
    return (
        Block.objects.filter(blocker=viewer, blocked=other).exists(),
        Mute.objects.filter(muter=viewer, muted=other).exists(),
    )
