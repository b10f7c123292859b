"""Keeping what the platform tells us: media hashes, and events about accounts and posts.

`ingest_events` takes a batch of platform events in one transaction with a fixed, small
number of queries whatever the batch size. The rules that make it safe to replay and to
receive out of order are in its docstring; the read helpers at the end are what later
features query (an account's posts, a hashtag's uses, a post's reach).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from shieldwall.core import audit
from shieldwall.core.actors import Actor, require
from shieldwall.media.hashing import MediaHashes
from shieldwall.media.nearcopy import NearCopy
from shieldwall.subjects.events import SubjectEvent
from shieldwall.subjects.hashtags import HashtagError, normalise_hashtag
from shieldwall.subjects.models import (
    Account,
    Hashtag,
    PlatformMedia,
    Post,
    PostHashtag,
    PostMedia,
    PostMetrics,
    ProcessedEvent,
)
from shieldwall.subjects.permissions import SEND_EVENTS
from shieldwall.subjects.schemas import (
    AccountEventIn,
    Event,
    MediaAttachedEventIn,
    PostDeletedEventIn,
    PostEventIn,
    PostMetricsEventIn,
    parse_events,
)


def _copies_to_bank(hashes: MediaHashes) -> list[NearCopy]:
    """The near copies a removal of this media banks: its whole frame, when it was trimmed,
    and its crops and rotations, when they were hashed."""
    whole = hashes.whole_frame() if hashes.pdq_near else None
    return ([whole] if whole is not None else []) + list(hashes.pdq_near)


def record_media(
    *, media_id: str, post_id: str, account_id: str, hashes: MediaHashes, verdict: str
) -> PlatformMedia:
    """Create or refresh a platform media item's hashes; the caller holds the transaction."""
    media, _ = PlatformMedia.objects.update_or_create(
        media_id=media_id,
        defaults={
            "post_id": post_id,
            "account_id": account_id,
            "media_type": hashes.media_type,
            "format": hashes.format,
            "md5": hashes.md5,
            "sha256": hashes.sha256,
            "pdq": hashes.pdq or "",
            "pdq_quality": hashes.pdq_quality,
            "vpdq": [[f.second, f.pdq, f.quality] for f in hashes.vpdq],
            # With the whole frame when borders were trimmed: a removal banks both.
            "pdq_near": [[c.edit, c.pdq, c.quality] for c in _copies_to_bank(hashes)],
            "verdict": verdict,
        },
    )
    return media


@dataclass(frozen=True)
class EventOutcome:
    """What became of one event of a batch."""

    id: str
    status: str  # "accepted" | "duplicate"


@dataclass(frozen=True)
class IngestResult:
    """The answer to a batch: each event's outcome, in the order sent."""

    results: tuple[EventOutcome, ...]

    @property
    def accepted(self) -> int:
        return sum(1 for r in self.results if r.status == "accepted")

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.results if r.status == "duplicate")


def ingest_events(*, events: Sequence[Event | Mapping[str, Any]], actor: Actor) -> IngestResult:
    """Take in a batch of platform events (1 to 1000), all or nothing, in one transaction.

    - Idempotent by event id: an id taken in before (or earlier in the same batch) is a
      `duplicate` and changes nothing. Ids are claimed with INSERT .. ON CONFLICT DO NOTHING
      RETURNING, so two concurrent deliveries of one event cannot both be accepted.
    - Out of order: an account or post keeps the `occurred_at` of the event that last changed
      it (`last_event_at`) and ignores older changes. A post's content and its deletion are
      two states: content comes from the newest post.created/updated (`content_at`), even one
      older than the deletion (the deletion may arrive first); a deleted post stays deleted
      unless a strictly newer post.created/updated says it is back, and a deletion older than
      the post's last change is ignored.
    - A post may name an account not seen yet: a placeholder account is made, and the first
      account event fills it in. Deletions, media and metrics for an unknown post make a
      content-less post (no account) that a post event fills in.
    - Media links are only added, never removed. Metrics are a time series; a second sample
      for the same (post, occurred_at) is ignored.
    - Audit: ONE audit event per batch that accepted anything (counts by type, first and last
      accepted event id), not one per platform event: the audit chain is a single locked row
      and would otherwise be the bottleneck of ingestion. The events themselves are kept in
      ProcessedEvent.
    """
    require(actor, SEND_EVENTS)
    parsed = parse_events(events)
    now = timezone.now()
    with transaction.atomic():
        fresh = _claim(parsed, now)
        outcomes, accepted = [], []
        for event in parsed:
            if event.id in fresh:
                fresh.discard(event.id)  # a second copy later in this batch is a duplicate
                accepted.append(event)
                outcomes.append(EventOutcome(event.id, "accepted"))
            else:
                outcomes.append(EventOutcome(event.id, "duplicate"))
        if accepted:
            stale = _apply(accepted, now)
            audit.record(
                actor=actor,
                action=SubjectEvent.EVENTS_INGESTED,
                subject_type="event_batch",
                subject_id=accepted[0].id,
                data={
                    "accepted": len(accepted),
                    "duplicates": len(parsed) - len(accepted),
                    "stale": stale,
                    "by_type": dict(sorted(Counter(e.type for e in accepted).items())),
                    "first_event_id": accepted[0].id,
                    "last_event_id": accepted[-1].id,
                },
            )
    return IngestResult(tuple(outcomes))


def _claim(events: Sequence[Event], now: datetime) -> set[str]:
    """Record the batch's new event ids; return those that were not taken in before."""
    first: dict[str, Event] = {}
    for e in events:
        first.setdefault(e.id, e)
    ops = connection.ops
    table = ops.quote_name(ProcessedEvent._meta.db_table)
    received = ops.adapt_datetimefield_value(now)
    rows = [first[i] for i in sorted(first)]  # one lock order for concurrent batches
    params: list[Any] = []
    for e in rows:
        params += [e.id, e.type, ops.adapt_datetimefield_value(e.occurred_at), received]
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    # Only the quoted table name and placeholders are formatted in; every value is a parameter.
    sql = f"INSERT INTO {table} (event_id, type, occurred_at, received_at) VALUES {values} "  # noqa: S608
    sql += "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


M = TypeVar("M", Account, Post)


def _lock_rows(model: type[M], key: str, ids: Iterable[str], now: datetime) -> dict[str, M]:
    """The rows with these platform ids, created empty where missing, locked for update."""
    wanted = set(ids)
    if not wanted:
        return {}
    existing = set(model.objects.filter(**{f"{key}__in": wanted}).values_list(key, flat=True))
    model.objects.bulk_create(
        [model(**{key: i, "first_seen_at": now}) for i in sorted(wanted - existing)],
        ignore_conflicts=True,  # another batch may create the same row meanwhile
    )
    rows = model.objects.select_for_update().filter(**{f"{key}__in": wanted}).order_by(key)
    return {getattr(r, key): r for r in rows}


def _earliest(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if candidate is None:
        return current
    return candidate if current is None or candidate < current else current


def _is_newer(event: Event, last: datetime | None) -> bool:
    return last is None or event.occurred_at >= last


ACCOUNT_FIELDS = [
    "handle",
    "display_name",
    "bio",
    "url",
    "platform_created_at",
    "last_event_at",
    "is_placeholder",
]
POST_FIELDS = [
    "account",
    "text",
    "reply_to",
    "quote_of",
    "reshare_of",
    "url",
    "platform_created_at",
    "last_event_at",
    "content_at",
    "deleted_at",
]


class _Batch:
    """The in-memory state of one batch: locked rows, and the links and samples to write."""

    def __init__(self, events: Sequence[Event], now: datetime) -> None:
        self.now = now
        account_ids = {e.data.account_id for e in events if isinstance(e, AccountEventIn)}
        account_ids |= {e.data.account_id for e in events if isinstance(e, PostEventIn)}
        self.accounts = _lock_rows(Account, "account_id", account_ids, now)
        post_ids = {e.data.post_id for e in events if not isinstance(e, AccountEventIn)}
        self.posts = _lock_rows(Post, "post_id", post_ids, now)
        self.dirty_accounts: set[str] = set()
        self.dirty_posts: set[str] = set()
        self.stale = 0
        # Hashtags of the posts whose content changes: name -> used_at, starting from the stored.
        self.tags: dict[int, dict[str, datetime]] = {}
        self.stored_tags: dict[int, dict[str, int]] = {}
        content_pks = [self.posts[e.data.post_id].pk for e in events if isinstance(e, PostEventIn)]
        for post_pk, name, used_at, pk in PostHashtag.objects.filter(
            post_id__in=set(content_pks)
        ).values_list("post_id", "hashtag__name", "used_at", "pk"):
            self.tags.setdefault(post_pk, {})[name] = used_at
            self.stored_tags.setdefault(post_pk, {})[name] = pk
        self.media: dict[tuple[int, str], PostMedia] = {}
        self.metrics: dict[tuple[int, datetime], PostMetrics] = {}

    def account(self, e: AccountEventIn) -> None:
        acc, d = self.accounts[e.data.account_id], e.data
        created = d.created_at or (e.occurred_at if e.type == "account.created" else None)
        earliest = _earliest(acc.platform_created_at, created)
        if earliest != acc.platform_created_at:
            acc.platform_created_at = earliest
            self.dirty_accounts.add(acc.account_id)
        if not _is_newer(e, acc.last_event_at):
            self.stale += 1
            return
        acc.handle, acc.display_name, acc.bio, acc.url = (
            d.handle,
            d.display_name,
            d.bio,
            d.url or "",
        )
        acc.last_event_at, acc.is_placeholder = e.occurred_at, False
        self.dirty_accounts.add(acc.account_id)

    def post(self, e: PostEventIn) -> None:
        post, d = self.posts[e.data.post_id], e.data
        self._link_media(post, d.media_ids, None, e.occurred_at)
        created = d.created_at or e.occurred_at
        if post.platform_created_at is None or created < post.platform_created_at:
            post.platform_created_at = created
            self.dirty_posts.add(post.post_id)
        had_content = post.content_at is not None
        if not _is_newer(e, post.content_at):
            self.stale += 1
            return
        post.account = self.accounts[d.account_id]
        post.text = d.text
        post.reply_to, post.quote_of, post.reshare_of = (
            d.reply_to or "",
            d.quote_of or "",
            d.reshare_of or "",
        )
        post.url = d.url or ""
        post.content_at = e.occurred_at
        if _is_newer(e, post.last_event_at):
            post.last_event_at = e.occurred_at
            if post.deleted_at is not None and e.occurred_at > post.deleted_at:
                post.deleted_at = None  # the platform says it is back
        used_at = e.occurred_at if had_content else created
        current = self.tags.get(post.pk, {})
        self.tags[post.pk] = {name: current.get(name, used_at) for name in d.hashtags}
        self.dirty_posts.add(post.post_id)

    def delete(self, e: PostDeletedEventIn) -> None:
        post = self.posts[e.data.post_id]
        if post.deleted_at is not None or not _is_newer(e, post.last_event_at):
            self.stale += 1
            return
        post.deleted_at = post.last_event_at = e.occurred_at
        self.dirty_posts.add(post.post_id)

    def attach(self, e: MediaAttachedEventIn) -> None:
        post = self.posts[e.data.post_id]
        self._link_media(post, [e.data.media_id], e.data.media_type, e.occurred_at, e.data.url)

    def sample(self, e: PostMetricsEventIn) -> None:
        post, d = self.posts[e.data.post_id], e.data
        self.metrics.setdefault(
            (post.pk, e.occurred_at),
            PostMetrics(
                post=post, at=e.occurred_at, views=d.views, reshares=d.reshares, likes=d.likes
            ),
        )

    def _link_media(
        self,
        post: Post,
        media_ids: Iterable[str],
        media_type: str | None,
        at: datetime,
        url: str | None = None,
    ) -> None:
        for media_id in media_ids:
            link = self.media.get((post.pk, media_id))
            if link is None:
                self.media[post.pk, media_id] = PostMedia(
                    post=post,
                    media_id=media_id,
                    media_type=media_type or "",
                    attached_at=at,
                    url=url or "",
                )
            else:
                link.media_type = link.media_type or media_type or ""
                link.attached_at = min(link.attached_at, at)
                link.url = url or link.url

    def save(self) -> None:
        """Write the batch's changes: a handful of bulk statements, in a fixed order."""
        # Rows are locked and their final state computed above: write them back as an upsert
        # on the primary key, far cheaper than bulk_update's CASE WHEN per column and row.
        Account.objects.bulk_create(
            [self.accounts[i] for i in sorted(self.dirty_accounts)],
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=ACCOUNT_FIELDS,
        )
        Post.objects.bulk_create(
            [self.posts[i] for i in sorted(self.dirty_posts)],
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=POST_FIELDS,
        )
        self._save_hashtags()
        links = sorted(self.media.values(), key=lambda m: (m.post.pk, m.media_id))
        PostMedia.objects.bulk_create(
            [m for m in links if not (m.media_type or m.url)], ignore_conflicts=True
        )
        # A type or address learnt later fills in a link; one not given leaves it as it was.
        for given, fields in (
            ([m for m in links if m.url], ["media_type", "url"]),
            ([m for m in links if m.media_type and not m.url], ["media_type"]),
        ):
            PostMedia.objects.bulk_create(
                given,
                update_conflicts=True,
                unique_fields=["post", "media_id"],
                update_fields=fields,
            )
        PostMetrics.objects.bulk_create(
            sorted(self.metrics.values(), key=lambda m: (m.post.pk, m.at)), ignore_conflicts=True
        )

    def _save_hashtags(self) -> None:
        gone: list[int] = []
        new: list[tuple[int, str, datetime]] = []
        for post_pk, wanted in self.tags.items():
            stored = self.stored_tags.get(post_pk, {})
            gone += [pk for name, pk in stored.items() if name not in wanted]
            new += [(post_pk, n, at) for n, at in wanted.items() if n not in stored]
        if gone:
            PostHashtag.objects.filter(pk__in=gone).delete()
        if not new:
            return
        names = {name for _, name, _ in new}
        known = dict(Hashtag.objects.filter(name__in=names).values_list("name", "pk"))
        Hashtag.objects.bulk_create(
            [Hashtag(name=n, first_seen_at=self.now) for n in sorted(names - known.keys())],
            ignore_conflicts=True,
        )
        if names - known.keys():
            known = dict(Hashtag.objects.filter(name__in=names).values_list("name", "pk"))
        PostHashtag.objects.bulk_create(
            [PostHashtag(post_id=p, hashtag_id=known[n], used_at=at) for p, n, at in sorted(new)],
            ignore_conflicts=True,
        )


def _apply(events: Sequence[Event], now: datetime) -> int:
    """Apply accepted events in the order sent; return how many were older than stored state."""
    batch = _Batch(events, now)
    for e in events:
        if isinstance(e, AccountEventIn):
            batch.account(e)
        elif isinstance(e, PostEventIn):
            batch.post(e)
        elif isinstance(e, PostDeletedEventIn):
            batch.delete(e)
        elif isinstance(e, MediaAttachedEventIn):
            batch.attach(e)
        else:
            batch.sample(e)
    batch.save()
    return batch.stale


# Read helpers for later features (no permission check: callers hold their own).


def account_posts(account_id: str, since: datetime | None = None) -> QuerySet[Post]:
    """An account's posts (deleted ones too) by platform creation time, oldest first."""
    posts = Post.objects.filter(account__account_id=account_id)
    if since is not None:
        posts = posts.filter(platform_created_at__gte=since)
    return posts.order_by("platform_created_at", "pk")


def hashtag_uses(name: str, since: datetime | None = None) -> QuerySet[PostHashtag]:
    """Every use of a hashtag (any spelling of it) by time, oldest first, with its post."""
    try:
        normalised = normalise_hashtag(name)
    except HashtagError:
        return PostHashtag.objects.none()
    uses = PostHashtag.objects.filter(hashtag__name=normalised)
    if since is not None:
        uses = uses.filter(used_at__gte=since)
    return uses.select_related("post", "post__account").order_by("used_at", "pk")


def post_reach_series(post_id: str) -> QuerySet[PostMetrics]:
    """A post's metrics samples, oldest first: its reach over time."""
    return PostMetrics.objects.filter(post__post_id=post_id).order_by("at")


def current_reach(post: Post | str) -> PostMetrics | None:
    """The newest metrics sample of a post (a Post or its platform id), or None."""
    samples = PostMetrics.objects.filter(
        **({"post": post} if isinstance(post, models.Model) else {"post__post_id": post})
    )
    return samples.order_by("-at").first()
