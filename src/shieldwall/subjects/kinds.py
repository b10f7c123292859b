"""What a subject on the platform can be: the one vocabulary every app uses.

Importable before Django is set up (no models here).
"""

from __future__ import annotations

from django.db import models


class SubjectType(models.TextChoices):
    """A thing on the platform that reports, cases and actions are about."""

    POST = "post", "Post"
    MEDIA = "media", "Media"
    ACCOUNT = "account", "Account"
    HASHTAG = "hashtag", "Hashtag"


# What a person can report (media is reported through the post that carries it).
REPORTABLE: tuple[SubjectType, ...] = (SubjectType.POST, SubjectType.ACCOUNT, SubjectType.HASHTAG)
REPORTABLE_CHOICES = [(t.value, t.label) for t in REPORTABLE]
