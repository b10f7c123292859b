"""A profile per user: the public handle, the opaque id Shieldwall knows it by, suspension."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


def new_account_id() -> str:
    """An opaque account id, as sent to Shieldwall."""
    return "a_" + secrets.token_hex(6)


class Profile(models.Model):
    """A person's public face on the microblog."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    public_id = models.CharField(max_length=40, unique=True, default=new_account_id)
    handle = models.CharField(max_length=30, unique=True)
    display_name = models.CharField(max_length=60)
    bio = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)
    suspended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def avatar_hue(self) -> int:
        """A stable colour for the initial-letter avatar."""
        return int(hashlib.sha256(self.handle.encode()).hexdigest()[:4], 16) % 360

    @property
    def initial(self) -> str:
        return (self.display_name or self.handle)[:1].upper()


class Block(models.Model):
    """One person blocked another: neither sees the other's posts in timelines, tags or search."""

    blocker = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="blocking")
    blocked = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Mute(models.Model):
    """One person muted another: the muted account's posts leave their timelines, tags and
    search; the muted account is not told and still sees theirs."""

    muter = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="muting")
    muted = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="muted_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["muter", "muted"], name="mute_once"),
            models.CheckConstraint(
                condition=~models.Q(muter=models.F("muted")), name="mute_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.muter_id} mutes {self.muted_id}"


def hidden_authors(viewer: Profile | None) -> models.QuerySet[Profile]:
    """The accounts whose posts this viewer does not see: muted, blocked, or blocking them."""
    if viewer is None:
        return Profile.objects.none()
    return Profile.objects.filter(
        models.Q(muted_by__muter=viewer)
        | models.Q(blocked_by__blocker=viewer)
        | models.Q(blocking__blocked=viewer)
    )
