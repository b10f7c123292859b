"""Vocabularies of actions, stored by value; importable before Django is set up."""

from __future__ import annotations

from django.db import models

from shieldwall.subjects.kinds import SubjectType


class ActionKind(models.TextChoices):
    """What the platform is asked to do; the values are part of the public contract."""

    REMOVE_POST = "remove_post", "Remove post"
    REMOVE_MEDIA = "remove_media", "Remove media"
    RESTORE_POST = "restore_post", "Restore post"
    SUSPEND_ACCOUNT = "suspend_account", "Suspend account"
    RESTORE_ACCOUNT = "restore_account", "Restore account"
    SUPPRESS_HASHTAG = "suppress_hashtag", "Suppress hashtag"
    UNSUPPRESS_HASHTAG = "unsuppress_hashtag", "Unsuppress hashtag"
    LIMIT_POST = "limit_post", "Limit post"


SUBJECT_OF_KIND: dict[str, str] = {
    ActionKind.REMOVE_POST: SubjectType.POST,
    ActionKind.REMOVE_MEDIA: SubjectType.MEDIA,
    ActionKind.RESTORE_POST: SubjectType.POST,
    ActionKind.SUSPEND_ACCOUNT: SubjectType.ACCOUNT,
    ActionKind.RESTORE_ACCOUNT: SubjectType.ACCOUNT,
    ActionKind.SUPPRESS_HASHTAG: SubjectType.HASHTAG,
    ActionKind.UNSUPPRESS_HASHTAG: SubjectType.HASHTAG,
    ActionKind.LIMIT_POST: SubjectType.POST,
}


class AckStatus(models.TextChoices):
    """The platform's answer to an action it pulled."""

    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"
    IGNORED = "ignored", "Ignored"
