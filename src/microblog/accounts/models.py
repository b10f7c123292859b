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
