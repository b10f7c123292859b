"""The account-hashtag graph, kept up to date from the platform's post events.

One round reads the next batch of hashtag uses (`subjects.reads.hashtag_uses_after`, in pk
order, behind a cursor), adds them up in memory and writes each table once with a bulk
upsert (`INSERT ... ON CONFLICT DO UPDATE SET uses = uses + excluded.uses`, on SQLite and
PostgreSQL alike): account-tag edges, per-tag totals, tag-tag co-occurrence within a post,
and per-tag hourly buckets. No statement is issued per use: a round of 5,000 uses is a
handful of statements. The cursor row is locked for the round, so two workers never take
the same batch in twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from shieldwall.discovery.models import AccountTag, GraphCursor, TagBucket, TagPair, TagStat
from shieldwall.subjects import reads

BATCH = 5000
CURSOR = "post-hashtags"
BUCKET_SECONDS = 3600
MAX_TAGS_PER_POST = 30  # pairs of a post's tags beyond this many are not counted (spam)


def bucket_of(at: datetime) -> int:
    """The time bucket (hours since the epoch) of a moment."""
    return int(at.timestamp()) // BUCKET_SECONDS


def update(*, limit: int = BATCH) -> int:
    """Take the next `limit` hashtag uses into the graph; return how many were read."""
    with transaction.atomic():
        cursor, _ = GraphCursor.objects.get_or_create(
            name=CURSOR, defaults={"position": 0, "updated_at": timezone.now()}
        )
        cursor = GraphCursor.objects.select_for_update().get(pk=cursor.pk)
        uses = reads.hashtag_uses_after(cursor.position, limit=limit)
        if not uses:
            return 0
        _take_in(uses, before=cursor.position)
        cursor.position = uses[-1][0]
        cursor.updated_at = timezone.now()
        cursor.save(update_fields=["position", "updated_at"])
    return len(uses)


def _take_in(uses: Sequence[reads.HashtagUse], *, before: int) -> None:
    edges: dict[tuple[str, str], list[Any]] = {}
    totals: dict[str, list[Any]] = {}
    buckets: dict[tuple[str, int], int] = defaultdict(int)
    new_tags: dict[str, list[str]] = defaultdict(list)
    for _, post_id, account_id, tag, at in uses:
        _bump(totals, tag, at)
        if account_id:
            _bump(edges, (account_id, tag), at)
        buckets[(tag, bucket_of(at))] += 1
        new_tags[post_id].append(tag)
    # A post's earlier tags (taken in by an earlier round) pair with its new ones too.
    earlier = reads.hashtag_uses_upto(new_tags, before) if before else {}
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for post_id, fresh in new_tags.items():
        old = [t for t in earlier.get(post_id, ()) if t not in fresh]
        if len(fresh) + len(old) > MAX_TAGS_PER_POST:
            continue
        for a, b in combinations(sorted(set(fresh)), 2):
            pairs[(a, b)] += 1
        for a in set(fresh):
            for b in old:
                pairs[(a, b) if a < b else (b, a)] += 1
    _upsert_counted(
        TagStat, ("tag",), [(t, n, first, last) for t, (n, first, last) in totals.items()]
    )
    _upsert_counted(
        AccountTag,
        ("account_id", "tag"),
        [(a, t, n, first, last) for (a, t), (n, first, last) in edges.items()],
    )
    _upsert_sum(
        TagPair,
        (("tag_a", TEXT), ("tag_b", TEXT)),
        "posts",
        [(a, b, n) for (a, b), n in pairs.items()],
    )
    _upsert_sum(
        TagBucket,
        (("tag", TEXT), ("bucket", INTEGER)),
        "uses",
        [(t, b, n) for (t, b), n in buckets.items()],
    )


def _bump(table: dict[Any, list[Any]], key: Any, at: datetime) -> None:
    row = table.get(key)
    if row is None:
        table[key] = [1, at, at]
        return
    row[0] += 1
    if at < row[1]:
        row[1] = at
    if at > row[2]:
        row[2] = at


def _chunks(rows: list[tuple[Any, ...]], width: int) -> list[list[tuple[Any, ...]]]:
    limit = connection.features.max_query_params or 999
    size = max(1, min(500, limit // width))
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _execute_values(
    table: str, columns: Sequence[tuple[str, str]], tail: str, rows: list[tuple[Any, ...]]
) -> None:
    """INSERT the rows with the ON CONFLICT `tail`: on PostgreSQL one statement whatever the
    count, its columns as arrays through unnest (a handful of parameters, not one per value:
    a client-side cursor's cost grows with the placeholders); elsewhere multi-row VALUES, in
    chunks within the driver's parameter limit."""
    if not rows:
        return
    q = connection.ops.quote_name
    names = ", ".join(q(name) for name, _ in columns)
    head = f"INSERT INTO {q(table)} ({names})"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for _, kind in columns)
            values = [list(column) for column in zip(*rows, strict=True)]
            # Names are ours and quoted, types from a fixed set; every value is a parameter.
            sql = f"{head} SELECT * FROM unnest({arrays}) {tail}"  # noqa: S608
            cur.execute(sql, values)
            return
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for chunk in _chunks(rows, len(columns)):
            params = [v for row in chunk for v in row]
            cur.execute(f"{head} VALUES {', '.join([one] * len(chunk))} {tail}", params)


TEXT, BIGINT, INTEGER, MOMENT = "text", "bigint", "integer", "timestamptz"


def _upsert_counted(model: Any, keys: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Rows of (*keys, uses, first_at, last_at): uses add up, first and last widen."""
    table = model._meta.db_table
    q = connection.ops.quote_name
    q_table = q(table)
    least, greatest = ("MIN", "MAX") if connection.vendor == "sqlite" else ("LEAST", "GREATEST")
    adapt = _time_adapter()
    prepared = [(*r[:-2], adapt(r[-2]), adapt(r[-1])) for r in rows]
    columns = [*((k, TEXT) for k in keys), ("uses", BIGINT), ("first_at", MOMENT)]
    columns.append(("last_at", MOMENT))
    _execute_values(
        table,
        columns,
        f"ON CONFLICT ({', '.join(q(k) for k in keys)}) DO UPDATE SET "
        f"uses = {q_table}.uses + excluded.uses, "
        f"first_at = {least}({q_table}.first_at, excluded.first_at), "
        f"last_at = {greatest}({q_table}.last_at, excluded.last_at)",
        prepared,
    )


def _time_adapter() -> Callable[[datetime], Any]:
    """How a moment is passed to the database: as Django stores it on SQLite (UTC, naive,
    "YYYY-MM-DD HH:MM:SS[.ffffff]"), formatted once per distinct moment (a post's tags share
    one), and as it is to PostgreSQL."""
    if connection.vendor != "sqlite":
        return lambda at: at
    seen: dict[datetime, str] = {}

    def adapt(at: datetime) -> str:
        text = seen.get(at)
        if text is None:
            text = seen[at] = at.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        return text

    return adapt


def _upsert_sum(
    model: Any, keys: Sequence[tuple[str, str]], counter: str, rows: list[tuple[Any, ...]]
) -> None:
    """Rows of (*keys, n): the counter adds up. `keys` are (column, SQL type)."""
    table = model._meta.db_table
    q = connection.ops.quote_name
    _execute_values(
        table,
        [*keys, (counter, BIGINT)],
        f"ON CONFLICT ({', '.join(q(k) for k, _ in keys)}) DO UPDATE SET "
        f"{q(counter)} = {q(table)}.{q(counter)} + excluded.{q(counter)}",
        rows,
    )


def position() -> int:
    """How far the graph has read the hashtag stream (the last use's pk taken in)."""
    return GraphCursor.objects.filter(name=CURSOR).values_list("position", flat=True).first() or 0
