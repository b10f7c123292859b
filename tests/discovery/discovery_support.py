"""Helpers for discovery's tests: platform events through the real ingest, staff by role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from shieldwall.core.actors import Actor, cli_actor
from shieldwall.core.roles import user_actor
from shieldwall.core.staff import create_staff_user
from shieldwall.subjects import services as subjects

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
_ids = count(1)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def post_event(
    post_id: str, account_id: str, tags: Sequence[str], at: datetime, text: str = ""
) -> dict[str, Any]:
    """A post.created event carrying these tags."""
    return {
        "id": f"evt-{next(_ids)}",
        "type": "post.created",
        "occurred_at": iso(at),
        "data": {
            "post_id": post_id,
            "account_id": account_id,
            "hashtags": list(tags),
            "text": text,
            "created_at": iso(at),
        },
    }


def account_event(account_id: str, created_at: datetime) -> dict[str, Any]:
    """An account.created event saying when the account was made."""
    return {
        "id": f"evt-{next(_ids)}",
        "type": "account.created",
        "occurred_at": iso(created_at),
        "data": {"account_id": account_id, "handle": account_id, "created_at": iso(created_at)},
    }


def ingest(events: Sequence[dict[str, Any]]) -> None:
    """Send events through the subjects' ingest service, in batches as a platform would."""
    for start in range(0, len(events), 500):
        subjects.ingest_events(events=list(events[start : start + 500]), actor=cli_actor())


def posts(
    account_id: str, tags: Sequence[str], n: int, *, at: datetime = NOW, prefix: str = ""
) -> list[dict[str, Any]]:
    """`n` posts of one account, each carrying the tags, a minute apart before `at`."""
    return [
        post_event(f"{prefix or account_id}-p{k}", account_id, tags, at - timedelta(minutes=k))
        for k in range(n)
    ]


def staff(role: str, name: str | None = None) -> Actor:
    """A staff member in one role, as the desk would act for them."""
    user, _ = create_staff_user(
        username=name or f"{role}-{next(_ids)}", roles=[role], actor=cli_actor()
    )
    return user_actor(user)


def block(term: str) -> None:
    """A term rule blocking this tag, made by the operator."""
    from shieldwall.terms import services as terms

    terms.add_rule(term=term, actor=cli_actor(), reason="test rule")
