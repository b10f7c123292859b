"""Applying Shieldwall's actions, each once by its id, whether by webhook or by pull."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from microblog.accounts.models import Profile
from microblog.posts import hashtags, storage
from microblog.posts.models import Hashtag, Media, Post
from microblog.safety.models import AppliedAction
from shieldwall_client.models import Action

log = logging.getLogger(__name__)

APPLIED, IGNORED = "applied", "ignored"


@dataclass(frozen=True)
class Outcome:
    """What applying an action did: applied or ignored (with why); `duplicate` when it had
    been applied before, with what was done then."""

    status: str
    detail: str = ""
    duplicate: bool = False


def _earlier(action_id: str) -> Outcome:
    row = AppliedAction.objects.get(action_id=action_id)
    return Outcome(row.outcome, row.detail, duplicate=True)


class _Ignored(Exception):
    pass


def _post(subject_id: str) -> Post:
    post = Post.objects.filter(public_id=subject_id).first()
    if post is None:
        raise _Ignored(f"no post {subject_id}")
    return post


def _remove_post(subject_id: str) -> None:
    Post.objects.filter(pk=_post(subject_id).pk).update(removed_at=timezone.now())


def _restore_post(subject_id: str) -> None:
    Post.objects.filter(pk=_post(subject_id).pk).update(removed_at=None, limited_at=None)


def _limit_post(subject_id: str) -> None:
    Post.objects.filter(pk=_post(subject_id).pk).update(limited_at=timezone.now())


def _remove_media(subject_id: str) -> None:
    media = Media.objects.filter(public_id=subject_id).first()
    if media is None:
        raise _Ignored(f"no media {subject_id}")
    Media.objects.filter(pk=media.pk).update(removed_at=timezone.now())
    transaction.on_commit(lambda: storage.delete(media.path))


def _account(subject_id: str) -> Profile:
    profile = Profile.objects.filter(public_id=subject_id).first()
    if profile is None:
        raise _Ignored(f"no account {subject_id}")
    return profile


def _suspend_account(subject_id: str) -> None:
    Profile.objects.filter(pk=_account(subject_id).pk).update(suspended_at=timezone.now())


def _restore_account(subject_id: str) -> None:
    Profile.objects.filter(pk=_account(subject_id).pk).update(suspended_at=None)


def _suppress_hashtag(subject_id: str) -> None:
    # A tag nobody has used yet can be suppressed too: it is then dead on arrival.
    tag, _ = Hashtag.objects.get_or_create(name=hashtags.normalise(subject_id))
    Hashtag.objects.filter(pk=tag.pk).update(suppressed_at=timezone.now())


def _unsuppress_hashtag(subject_id: str) -> None:
    Hashtag.objects.filter(name=hashtags.normalise(subject_id)).update(suppressed_at=None)


# kind -> (subject type, handler). Add a kind here to support it.
HANDLERS: dict[str, tuple[str, Callable[[str], None]]] = {
    "remove_post": ("post", _remove_post),
    "restore_post": ("post", _restore_post),
    "limit_post": ("post", _limit_post),
    "remove_media": ("media", _remove_media),
    "suspend_account": ("account", _suspend_account),
    "restore_account": ("account", _restore_account),
    "suppress_hashtag": ("hashtag", _suppress_hashtag),
    "unsuppress_hashtag": ("hashtag", _unsuppress_hashtag),
}


def apply_action(action: Action, *, via: str) -> Outcome:
    """Apply an action once: a second delivery of the same id changes nothing, and is told
    what the first did (so an answer lost on the way is given again)."""
    if AppliedAction.objects.filter(action_id=action.id).exists():
        return _earlier(action.id)
    status, detail = APPLIED, ""
    try:
        with transaction.atomic():
            handler = HANDLERS.get(action.kind)
            try:
                if handler is None:
                    raise _Ignored(f"unknown action kind {action.kind}")
                subject_type, apply = handler
                if action.subject.type != subject_type:
                    raise _Ignored(f"{action.kind} applies to a {subject_type}")
                with transaction.atomic():
                    apply(action.subject.id)
            except _Ignored as exc:
                status, detail = IGNORED, str(exc)
            AppliedAction.objects.create(
                action_id=action.id,
                kind=action.kind,
                subject_type=action.subject.type,
                subject_id=action.subject.id,
                outcome=status,
                detail=detail[:200],
                via=via,
            )
    except IntegrityError:  # the same action applied concurrently by another delivery
        return _earlier(action.id)
    log.info("action %s (%s) %s via %s", action.id, action.kind, status, via)
    return Outcome(status, detail)
