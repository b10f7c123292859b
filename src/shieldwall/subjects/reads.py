"""What other apps may read of the platform's subjects, as plain values (no model rows).

Cases and the desk read accounts, posts, their media and reach through these functions, so
the subjects models can change without the desk noticing, and every read is batched: a
page asks once for all the posts it shows, never once per post.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from shieldwall.subjects.models import Account, PlatformMedia, Post, PostMedia, PostMetrics
from shieldwall.subjects.profile import media_url_shown


@dataclass(frozen=True)
class AccountFacts:
    """An account as the platform described it, with how many of its posts we know."""

    account_id: str
    handle: str
    display_name: str
    bio: str
    created_at: datetime | None
    post_count: int


@dataclass(frozen=True)
class PostFacts:
    """A post as the platform described it; `account_id` is the platform's id of its author."""

    post_id: str
    text: str
    created_at: datetime | None
    deleted: bool
    account_id: str
    handle: str


@dataclass(frozen=True)
class ReachSample:
    """A post's cumulative counts at one moment."""

    at: datetime
    views: int
    reshares: int


@dataclass(frozen=True)
class MediaFacts:
    """A media item's type, and where the platform serves it when that is on its registered
    media hosts ("" otherwise: a moderator's browser never loads media from anywhere else)."""

    media_id: str
    media_type: str
    url: str


@dataclass(frozen=True)
class MediaHashes:
    """The hashes kept of a scanned media item (its bytes never are): for banking on removal."""

    media_id: str
    md5: str
    sha256: str
    pdq: str
    pdq_quality: int | None
    vpdq: tuple[tuple[float, str, int], ...]  # video frames: (second, pdq, quality)
    pdq_near: tuple[tuple[str, str, int], ...]  # near copies: (edit, pdq, quality)


def account_facts(account_id: str) -> AccountFacts | None:
    """One account and its post count (one query), or None when the platform never named it."""
    row = (
        Account.objects.filter(account_id=account_id)
        .annotate(post_count=Count("posts"))
        .values("account_id", "handle", "display_name", "bio", "platform_created_at", "post_count")
        .first()
    )
    if row is None:
        return None
    return AccountFacts(
        account_id=row["account_id"],
        handle=row["handle"],
        display_name=row["display_name"],
        bio=row["bio"],
        created_at=row["platform_created_at"],
        post_count=row["post_count"],
    )


def handles_of(account_ids: Iterable[str]) -> dict[str, str]:
    """The handles of these accounts, for those that have one."""
    ids = {a for a in account_ids if a}
    if not ids:
        return {}
    return dict(
        Account.objects.filter(account_id__in=ids)
        .exclude(handle="")
        .values_list("account_id", "handle")
    )


def posts_by_id(post_ids: Iterable[str]) -> dict[str, PostFacts]:
    """The posts the platform told us of among these ids (one query, authors included)."""
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        return {}
    rows = Post.objects.filter(post_id__in=ids).values_list(
        "post_id",
        "text",
        "platform_created_at",
        "deleted_at",
        "account__account_id",
        "account__handle",
    )
    return {
        post_id: PostFacts(post_id, text, created, deleted_at is not None, acct or "", handle or "")
        for post_id, text, created, deleted_at, acct, handle in rows
    }


def post_facts(post_id: str) -> PostFacts | None:
    """One post, or None when the platform never described it."""
    return posts_by_id([post_id]).get(post_id)


def account_of_post(post_id: str) -> str:
    """The platform's id of the post's author ("" when unknown)."""
    found = post_facts(post_id)
    return found.account_id if found else ""


def account_created_at(account_id: str) -> datetime | None:
    """When the platform says the account was made (None when unknown)."""
    return (
        Account.objects.filter(account_id=account_id)
        .values_list("platform_created_at", flat=True)
        .first()
    )


def reach_samples(post_ids: Iterable[str], *, newest: int) -> dict[str, list[ReachSample]]:
    """Each post's newest `newest` samples, oldest first, in one query for all the posts."""
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        return {}
    rank = Window(RowNumber(), partition_by=[F("post_id")], order_by=F("at").desc())
    rows = (
        PostMetrics.objects.filter(post__post_id__in=ids)
        .annotate(rank=rank)
        .filter(rank__lte=newest)
        .values_list("post__post_id", "at", "views", "reshares")
    )
    found: dict[str, list[ReachSample]] = {p: [] for p in ids}
    for post_id, at, views, reshares in rows:
        found[post_id].append(ReachSample(at, views, reshares))
    for samples in found.values():
        samples.sort(key=lambda s: s.at)
    return found


def media_facts(media_ids: Sequence[str]) -> dict[str, MediaFacts]:
    """Type and viewable address of each media item (scanned type first, then the post's)."""
    ids = list(dict.fromkeys(media_ids))
    if not ids:
        return {}
    scanned = dict(
        PlatformMedia.objects.filter(media_id__in=ids).values_list("media_id", "media_type")
    )
    posted: dict[str, str] = {}
    urls: dict[str, str] = {}
    for media_id, media_type, url in PostMedia.objects.filter(media_id__in=ids).values_list(
        "media_id", "media_type", "url"
    ):
        posted.setdefault(media_id, media_type)
        if url and media_id not in urls and media_url_shown(url):
            urls[media_id] = url
    return {m: MediaFacts(m, scanned.get(m) or posted.get(m, ""), urls.get(m, "")) for m in ids}


def post_media_ids(post_ids: Iterable[str]) -> dict[str, list[str]]:
    """The media ids attached to each post: by the platform's events, then by scans."""
    ids = list(dict.fromkeys(post_ids))
    found: dict[str, list[str]] = {}
    if not ids:
        return found
    for post_id, media_id in (
        PostMedia.objects.filter(post__post_id__in=ids)
        .order_by("pk")
        .values_list("post__post_id", "media_id")
    ):
        found.setdefault(post_id, []).append(media_id)
    for post_id, media_id in PlatformMedia.objects.filter(post_id__in=ids).values_list(
        "post_id", "media_id"
    ):
        if media_id not in found.setdefault(post_id, []):
            found[post_id].append(media_id)
    return found


def post_of_media(media_id: str) -> str:
    """The post a media item belongs to, from the scan or the platform's events ("" if none)."""
    scanned = PlatformMedia.objects.filter(media_id=media_id).values_list("post_id", flat=True)
    post_id = next((p for p in scanned if p), "")
    if post_id:
        return post_id
    return (
        PostMedia.objects.filter(media_id=media_id).values_list("post__post_id", flat=True).first()
        or ""
    )


_HASH_FIELDS = ("media_id", "md5", "sha256", "pdq", "pdq_quality", "vpdq", "pdq_near")


def _hashes(row: tuple[Any, ...]) -> MediaHashes:
    media_id, md5, sha256, pdq, quality, vpdq, near = row
    return MediaHashes(
        media_id,
        md5,
        sha256,
        pdq,
        quality,
        tuple((float(t), str(p), int(q)) for t, p, q in vpdq or []),
        tuple((str(e), str(p), int(q)) for e, p, q in near or []),
    )


def media_hashes(media_ids: Iterable[str]) -> dict[str, MediaHashes]:
    """The kept hashes of these media items, for those that were scanned."""
    ids = list(dict.fromkeys(media_ids))
    if not ids:
        return {}
    rows = PlatformMedia.objects.filter(media_id__in=ids).values_list(*_HASH_FIELDS)
    return {row[0]: _hashes(row) for row in rows}


def post_media_hashes(post_id: str) -> list[MediaHashes]:
    """The kept hashes of every scanned media item on a post (attached to it or scanned for it)."""
    attached = PostMedia.objects.filter(post__post_id=post_id).values_list("media_id", flat=True)
    rows = PlatformMedia.objects.filter(Q(media_id__in=list(attached)) | Q(post_id=post_id))
    return [_hashes(row) for row in rows.values_list(*_HASH_FIELDS)]


# --- discovery: the hashtag stream, posts' tags and texts, accounts' ages -------------------

HashtagUse = tuple[int, str, str, str, datetime]  # (pk, post_id, account_id, tag, used_at)
PostTexts = tuple[str, str]  # (post id, text)


def hashtag_uses_after(after: int, *, limit: int) -> list[HashtagUse]:
    """The next `limit` hashtag uses after the use `after` (its pk), in pk order, each as
    (pk, the platform's post id, its author's account id or "", the tag's name, used_at)."""
    from shieldwall.subjects.models import PostHashtag

    rows = (
        PostHashtag.objects.filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", "post__post_id", "post__account__account_id", "hashtag__name", "used_at")
    )
    return [(pk, post, acct or "", tag, at) for pk, post, acct, tag, at in rows[:limit]]


def hashtag_uses_upto(post_ids: Iterable[str], upto: int) -> dict[str, list[str]]:
    """The tags each of these posts carried by the hashtag use `upto` (its pk) included."""
    from shieldwall.subjects.models import PostHashtag

    ids = list(dict.fromkeys(post_ids))
    found: dict[str, list[str]] = {}
    if not ids:
        return found
    rows = PostHashtag.objects.filter(post__post_id__in=ids, pk__lte=upto).values_list(
        "post__post_id", "hashtag__name"
    )
    for post_id, tag in rows:
        found.setdefault(post_id, []).append(tag)
    return found


def hashtags_of_posts(post_ids: Iterable[str]) -> dict[str, list[str]]:
    """The tags each of these posts carries (posts without tags are left out)."""
    from shieldwall.subjects.models import PostHashtag

    ids = list(dict.fromkeys(post_ids))
    found: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        rows = PostHashtag.objects.filter(post__post_id__in=ids[start : start + 500]).values_list(
            "post__post_id", "hashtag__name"
        )
        for post_id, tag in rows:
            found.setdefault(post_id, []).append(tag)
    return found


def recent_posts_with_tags(tags: Iterable[str], *, newest: int) -> dict[str, list[str]]:
    """Each tag's newest `newest` posts (platform post ids, newest first), one query."""
    from shieldwall.subjects.models import PostHashtag

    names = list(dict.fromkeys(tags))
    if not names:
        return {}
    rank = Window(RowNumber(), partition_by=[F("hashtag_id")], order_by=F("used_at").desc())
    rows = (
        PostHashtag.objects.filter(hashtag__name__in=names)
        .annotate(rank=rank)
        .filter(rank__lte=newest)
        .values_list("hashtag__name", "post__post_id", "used_at")
    )
    found: dict[str, list[tuple[datetime, str]]] = {t: [] for t in names}
    for tag, post_id, at in rows:
        found[tag].append((at, post_id))
    return {t: [p for _, p in sorted(v, reverse=True)] for t, v in found.items()}


def accounts_created_at(account_ids: Iterable[str]) -> dict[str, datetime | None]:
    """When the platform says each of these accounts was made (None when unknown)."""
    ids = list(dict.fromkeys(a for a in account_ids if a))
    found: dict[str, datetime | None] = {}
    for start in range(0, len(ids), 500):
        found.update(
            Account.objects.filter(account_id__in=ids[start : start + 500]).values_list(
                "account_id", "platform_created_at"
            )
        )
    return found


def post_texts_of_accounts(
    account_ids: Iterable[str], *, newest: int
) -> dict[str, list[PostTexts]]:
    """Each account's newest `newest` posts with text, as (post id, text), one query per 500."""
    ids = list(dict.fromkeys(a for a in account_ids if a))
    found: dict[str, list[PostTexts]] = {}
    rank = Window(
        RowNumber(), partition_by=[F("account_id")], order_by=F("platform_created_at").desc()
    )
    for start in range(0, len(ids), 500):
        rows = (
            Post.objects.filter(account__account_id__in=ids[start : start + 500])
            .exclude(text="")
            .annotate(rank=rank)
            .filter(rank__lte=newest)
            .values_list("account__account_id", "post_id", "text")
        )
        for acct, post_id, text in rows:
            found.setdefault(acct, []).append((post_id, text))
    return found


def last_hashtag_use() -> int:
    """The pk of the newest hashtag use (0 when none): how far the stream has come."""
    from shieldwall.subjects.models import PostHashtag

    return PostHashtag.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
