"""Posts as the desk shows them: text, author, media tiles (blurred until revealed), reach.

The case's own post and every post reported with it ("Add another post", copies of its
media elsewhere) are shown alike, so a moderator judges each before it is removed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from shieldwall.subjects.models import Account, PlatformMedia, Post, PostMedia, PostMetrics
from shieldwall.subjects.profile import media_url_shown

MAX_REACH_SAMPLES = 60


@dataclass(frozen=True)
class ReachPoint:
    """A post's cumulative reach at one moment."""

    at: datetime
    views: int
    reshares: int


@dataclass(frozen=True)
class Reach:
    """Reach over time, with the polyline of a small sparkline (120 x 32)."""

    points: tuple[ReachPoint, ...]
    views_line: str
    reshares_line: str

    @property
    def latest(self) -> ReachPoint | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class MediaItem:
    """A media item, blurred until revealed; `url` if the platform gave one (sent only after
    the reveal)."""

    media_id: str
    media_type: str = ""
    url: str = ""
    post_id: str = ""

    @property
    def dom_id(self) -> str:
        """A stable element id for the tile, whatever characters the platform's id holds."""
        return "media-" + hashlib.sha256(self.media_id.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class PostCard:
    """One post reported with the case, as the desk shows it."""

    post_id: str
    known: bool  # the platform has told us about it
    text: str
    handle: str
    account_id: str
    created_at: datetime | None
    deleted: bool
    media: tuple[MediaItem, ...]
    media_in_case: int  # of its media, how many the case's Media section already shows
    reach: Reach | None

    @property
    def dom_id(self) -> str:
        """A stable element id for the card."""
        return "post-" + hashlib.sha256(self.post_id.encode()).hexdigest()[:12]


def _sparkline(values: list[int], width: int = 120, height: int = 32) -> str:
    if len(values) < 2:
        return ""
    top = max(values) or 1
    step = width / (len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(values)
    )


def reach_of(post_id: str) -> Reach:
    """A post's views and reshares over time (the newest samples)."""
    samples = list(
        PostMetrics.objects.filter(post__post_id=post_id)
        .order_by("-at")
        .values_list("at", "views", "reshares")[:MAX_REACH_SAMPLES]
    )
    samples.reverse()
    points = tuple(ReachPoint(at, views, reshares) for at, views, reshares in samples)
    return Reach(
        points,
        _sparkline([p.views for p in points]),
        _sparkline([p.reshares for p in points]),
    )


def media_items(
    media_ids: Sequence[str], *, known_types: dict[str, str] | None = None
) -> list[MediaItem]:
    """Tiles for these media, with their type and the platform's URL when it sent one on its
    registered media hosts."""
    types = dict(
        PlatformMedia.objects.filter(media_id__in=media_ids).values_list("media_id", "media_type")
    )
    links = PostMedia.objects.filter(media_id__in=media_ids)
    # Only addresses on the platform's registered media hosts: a moderator's browser never
    # loads media from anywhere else.
    urls = {
        media_id: url
        for media_id, url in links.exclude(url="").values_list("media_id", "url")
        if media_url_shown(url)
    }
    posted = dict(links.values_list("media_id", "media_type"))
    known = known_types or {}
    return [
        MediaItem(
            media_id=m,
            media_type=known.get(m) or types.get(m) or posted.get(m, ""),
            url=urls.get(m, ""),
        )
        for m in media_ids
    ]


def post_media_ids(post_ids: Iterable[str]) -> dict[str, list[str]]:
    """The media ids the platform attached to each post."""
    found: dict[str, list[str]] = {}
    for post_id, media_id in (
        PostMedia.objects.filter(post__post_id__in=list(post_ids))
        .order_by("pk")
        .values_list("post__post_id", "media_id")
    ):
        found.setdefault(post_id, []).append(media_id)
    for post_id, media_id in PlatformMedia.objects.filter(post_id__in=list(post_ids)).values_list(
        "post_id", "media_id"
    ):
        if media_id not in found.setdefault(post_id, []):
            found[post_id].append(media_id)
    return found


def post_cards(post_ids: Sequence[str], *, case_media: set[str]) -> list[PostCard]:
    """Cards for these posts, in this order; media already in the case is only counted."""
    posts = {p.post_id: p for p in Post.objects.filter(post_id__in=post_ids)}
    accounts = {
        pk: (account_id, handle)
        for pk, account_id, handle in Account.objects.filter(
            pk__in={p.account_id for p in posts.values() if p.account_id}
        ).values_list("pk", "account_id", "handle")
    }
    media_of = post_media_ids(post_ids)
    cards = []
    for post_id in post_ids:
        post = posts.get(post_id)
        account_id, handle = accounts.get(post.account_id or 0, ("", "")) if post else ("", "")
        ids = media_of.get(post_id, [])
        shown = [m for m in ids if m not in case_media]
        cards.append(
            PostCard(
                post_id=post_id,
                known=post is not None,
                text=post.text if post else "",
                handle=handle,
                account_id=account_id,
                created_at=post.platform_created_at if post else None,
                deleted=post.is_deleted if post else False,
                media=tuple(
                    MediaItem(i.media_id, i.media_type, i.url, post_id) for i in media_items(shown)
                ),
                media_in_case=len(ids) - len(shown),
                reach=reach_of(post_id) if post else None,
            )
        )
    return cards
