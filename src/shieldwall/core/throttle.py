"""Counting hits in windows that every process and machine shares, exactly, in the database.

A window starts at a key's first hit and lasts `window`; the hit that reaches the limit
starts it afresh, so whoever reaches a limit waits one whole window from then. Each hit is
one INSERT … ON CONFLICT DO UPDATE … RETURNING: atomic on PostgreSQL and SQLite alike, so
concurrent hits from any number of processes are counted one by one, never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection

from shieldwall.core.models import RateWindow


@dataclass(frozen=True)
class Hits:
    """A key's count in its current window, and when that window ends."""

    hits: int
    until: datetime


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _moment(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)


def hit(*, key: str, limit: int, window: timedelta, now: datetime) -> Hits:
    """Count one hit against `key` and return its count in the window it falls into."""
    q = connection.ops.quote_name
    t, k, started, hits = q(RateWindow._meta.db_table), q("key"), q("started_us"), q("hits")
    now_us, expired_us = _us(now), _us(now - window)
    sql = f"""
        INSERT INTO {t} ({k}, {started}, {hits}) VALUES (%s, %s, 1)
        ON CONFLICT ({k}) DO UPDATE SET
            {hits} = CASE WHEN {t}.{started} <= %s THEN 1 ELSE {t}.{hits} + 1 END,
            {started} = CASE
                WHEN {t}.{started} <= %s THEN %s
                WHEN {t}.{hits} + 1 = %s THEN %s
                ELSE {t}.{started} END
        RETURNING {hits}, {started}
    """  # noqa: S608 (names are ours, quoted; every value is a parameter)
    with connection.cursor() as cur:
        cur.execute(sql, [key, now_us, expired_us, expired_us, now_us, limit, now_us])
        count, started_us = cur.fetchone()
    return Hits(int(count), _moment(int(started_us)) + window)


def current(*, key: str, window: timedelta, now: datetime) -> Hits:
    """The key's count in its current window, without counting a hit (0 if it has none)."""
    row = RateWindow.objects.filter(key=key, started_us__gt=_us(now - window)).first()
    if row is None:
        return Hits(0, now)
    return Hits(row.hits, _moment(row.started_us) + window)


def clear(*, key: str) -> None:
    """Forget a key's window (a successful sign-in clears its account's failures)."""
    RateWindow.objects.filter(key=key).delete()


def forget_expired(*, older_than: timedelta, now: datetime) -> int:
    """Delete windows that started longer ago than any limit looks back."""
    deleted, _ = RateWindow.objects.filter(started_us__lt=_us(now - older_than)).delete()
    return deleted
