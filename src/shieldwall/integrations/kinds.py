"""Vocabularies of actions, stored by value; importable before Django is set up."""

from __future__ import annotations

from django.db import models


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


class SubjectType(models.TextChoices):
    """What an action is about, on the platform."""

    POST = "post", "Post"
    MEDIA = "media", "Media"
    ACCOUNT = "account", "Account"
    HASHTAG = "hashtag", "Hashtag"


SUBJECT_OF_KIND: dict[str, str] = {
    "remove_post": "post",
    "remove_media": "media",
    "restore_post": "post",
    "suspend_account": "account",
    "restore_account": "account",
    "suppress_hashtag": "hashtag",
    "unsuppress_hashtag": "hashtag",
    "limit_post": "post",
}


class AckStatus(models.TextChoices):
    """The platform's answer to an action it pulled."""

    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"
    IGNORED = "ignored", "Ignored"
