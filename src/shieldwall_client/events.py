"""Builders for the events a platform sends: accounts, posts, media and reach.

Each builder returns an `Event` whose id is fresh and unique unless given (give the same id
to resend the same event: the server answers it as a duplicate) and whose `occurred_at` is
now unless given. Optional fields left as None are not sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Time = datetime | str


def format_time(value: Time) -> str:
    """A time as ISO 8601 UTC with a `Z`; strings pass unchanged, naive datetimes are refused."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("give an aware datetime (e.g. datetime.now(UTC)), not a naive one")
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_event_id() -> str:
    """A fresh unique event id."""
    return f"evt_{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Event:
    """One event as sent to `POST /api/v1/events`."""

    type: str
    data: dict[str, Any]
    id: str = field(default_factory=new_event_id)
    occurred_at: str = field(default_factory=lambda: format_time(datetime.now(UTC)))

    def to_json(self) -> dict[str, Any]:
        """The event's JSON form."""
        return {
            "id": self.id,
            "type": self.type,
            "occurred_at": self.occurred_at,
            "data": self.data,
        }


def _event(
    type_: str, data: dict[str, Any], event_id: str | None, occurred_at: Time | None
) -> Event:
    clean = {k: (format_time(v) if isinstance(v, datetime) else v) for k, v in data.items()}
    clean = {k: v for k, v in clean.items() if v is not None}
    return Event(
        type=type_,
        data=clean,
        id=event_id if event_id is not None else new_event_id(),
        occurred_at=format_time(occurred_at if occurred_at is not None else datetime.now(UTC)),
    )


def _account(
    type_: str,
    account_id: str,
    handle: str,
    display_name: str | None,
    bio: str | None,
    created_at: Time | None,
    url: str | None,
    event_id: str | None,
    occurred_at: Time | None,
) -> Event:
    data = {
        "account_id": account_id,
        "handle": handle,
        "display_name": display_name,
        "bio": bio,
        "created_at": created_at,
        "url": url,
    }
    return _event(type_, data, event_id, occurred_at)


def account_created(
    account_id: str,
    handle: str,
    *,
    display_name: str | None = None,
    bio: str | None = None,
    created_at: Time | None = None,
    url: str | None = None,
    event_id: str | None = None,
    occurred_at: Time | None = None,
) -> Event:
    """`account.created`: a new account on the platform."""
    return _account(
        "account.created",
        account_id,
        handle,
        display_name,
        bio,
        created_at,
        url,
        event_id,
        occurred_at,
    )


def account_updated(
    account_id: str,
    handle: str,
    *,
    display_name: str | None = None,
    bio: str | None = None,
    created_at: Time | None = None,
    url: str | None = None,
    event_id: str | None = None,
    occurred_at: Time | None = None,
) -> Event:
    """`account.updated`: the account's current handle and profile."""
    return _account(
        "account.updated",
        account_id,
        handle,
        display_name,
        bio,
        created_at,
        url,
        event_id,
        occurred_at,
    )


def _post(
    type_: str,
    post_id: str,
    account_id: str,
    text: str,
    hashtags: Iterable[str],
    media_ids: Iterable[str],
    reply_to: str | None,
    quote_of: str | None,
    reshare_of: str | None,
    created_at: Time | None,
    url: str | None,
    event_id: str | None,
    occurred_at: Time | None,
) -> Event:
    if isinstance(hashtags, str) or isinstance(media_ids, str):
        raise TypeError("hashtags and media_ids are sequences of strings, not one string")
    data = {
        "post_id": post_id,
        "account_id": account_id,
        "text": text,
        "hashtags": list(hashtags),
        "media_ids": list(media_ids),
        "reply_to": reply_to,
        "quote_of": quote_of,
        "reshare_of": reshare_of,
        "created_at": created_at,
        "url": url,
    }
    return _event(type_, data, event_id, occurred_at)


def post_created(
    post_id: str,
    account_id: str,
    text: str,
    *,
    hashtags: Iterable[str] = (),
    media_ids: Iterable[str] = (),
    reply_to: str | None = None,
    quote_of: str | None = None,
    reshare_of: str | None = None,
    created_at: Time | None = None,
    url: str | None = None,
    event_id: str | None = None,
    occurred_at: Time | None = None,
) -> Event:
    """`post.created`: a new post (hashtags without `#`; the server normalises them too)."""
    return _post(
        "post.created",
        post_id,
        account_id,
        text,
        hashtags,
        media_ids,
        reply_to,
        quote_of,
        reshare_of,
        created_at,
        url,
        event_id,
        occurred_at,
    )


def post_updated(
    post_id: str,
    account_id: str,
    text: str,
    *,
    hashtags: Iterable[str] = (),
    media_ids: Iterable[str] = (),
    reply_to: str | None = None,
    quote_of: str | None = None,
    reshare_of: str | None = None,
    created_at: Time | None = None,
    url: str | None = None,
    event_id: str | None = None,
    occurred_at: Time | None = None,
) -> Event:
    """`post.updated`: the post's current text, hashtags and media after an edit."""
    return _post(
        "post.updated",
        post_id,
        account_id,
        text,
        hashtags,
        media_ids,
        reply_to,
        quote_of,
        reshare_of,
        created_at,
        url,
        event_id,
        occurred_at,
    )


def post_deleted(
    post_id: str, *, event_id: str | None = None, occurred_at: Time | None = None
) -> Event:
    """`post.deleted`: the post is gone (it stays gone whatever older event arrives later)."""
    return _event("post.deleted", {"post_id": post_id}, event_id, occurred_at)


def media_attached(
    media_id: str,
    post_id: str,
    media_type: Literal["image", "video"] | None = None,
    *,
    url: str | None = None,
    event_id: str | None = None,
    occurred_at: Time | None = None,
) -> Event:
    """`media.attached`: media (by the id given to `scan`) belongs to a post.

    `url`, if given, is where the platform serves the media to its moderators: the desk
    shows it (blurred) only after a moderator chooses to reveal it, and records the view.
    """
    data = {"media_id": media_id, "post_id": post_id, "media_type": media_type, "url": url}
    return _event("media.attached", data, event_id, occurred_at)


def post_metrics(
    post_id: str,
    views: int,
    reshares: int,
    likes: int = 0,
    *,
    event_id: str | None = None,
    occurred_at: Time | None = None,
) -> Event:
    """`post.metrics`: the post's cumulative reach at `occurred_at`."""
    data = {"post_id": post_id, "views": views, "reshares": reshares, "likes": likes}
    return _event("post.metrics", data, event_id, occurred_at)
