"""Builders of platform events in their JSON form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_ids = count(1)


def at(minutes: float) -> str:
    """An ISO 8601 UTC time, `minutes` after T0."""
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def event(type_: str, minutes: float = 0, *, id_: str | None = None, **data: Any) -> dict[str, Any]:
    """One event in its JSON form, with a fresh id unless one is given."""
    return {
        "id": id_ or f"evt-{next(_ids)}",
        "type": type_,
        "occurred_at": at(minutes),
        "data": data,
    }


def post(
    post_id: str = "p1",
    account_id: str = "a1",
    minutes: float = 0,
    *,
    id_: str | None = None,
    **data: Any,
) -> dict[str, Any]:
    """A post.created event."""
    return event("post.created", minutes, id_=id_, post_id=post_id, account_id=account_id, **data)
