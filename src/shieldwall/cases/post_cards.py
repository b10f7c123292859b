"""Posts as the desk reads them: text, author, media, reach (values; the desk words them).

The case's own post and every post reported with it ("Add another post", copies of its
media elsewhere) are read alike, so a moderator judges each before it is removed. Every
read goes through `subjects.reads`, batched for all the posts of a page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from shieldwall.subjects import reads
from shieldwall.subjects.reads import ReachSample as ReachPoint

MAX_REACH_SAMPLES = 60

__all__ = ["MAX_REACH_SAMPLES", "MediaItem", "PostCard", "ReachPoint", "media_items"]


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
    """One post reported with the case, as read from what the platform told us."""

    post_id: str
    known: bool  # the platform has told us about it
    text: str
    handle: str
    account_id: str
    created_at: datetime | None
    deleted: bool
    media: tuple[MediaItem, ...]
    media_in_case: int  # of its media, how many the case's Media section already shows
    reach: tuple[ReachPoint, ...]  # oldest first; empty when none was sent


def reach_points(post_ids: Iterable[str]) -> dict[str, tuple[ReachPoint, ...]]:
    """Each post's views and reshares over time (its newest samples), oldest first."""
    found = reads.reach_samples(post_ids, newest=MAX_REACH_SAMPLES)
    return {post_id: tuple(samples) for post_id, samples in found.items()}


def media_items(
    media_ids: Sequence[str],
    *,
    known_types: dict[str, str] | None = None,
    post_of: dict[str, str] | None = None,
) -> list[MediaItem]:
    """Items for these media, with their type and the platform's URL when it sent one on its
    registered media hosts; `post_of` names the post each was shown under, if any."""
    facts = reads.media_facts(media_ids)
    known = known_types or {}
    posts = post_of or {}
    return [
        MediaItem(
            media_id=m,
            media_type=known.get(m) or (facts[m].media_type if m in facts else ""),
            url=facts[m].url if m in facts else "",
            post_id=posts.get(m, ""),
        )
        for m in media_ids
    ]


def post_media_ids(post_ids: Iterable[str]) -> dict[str, list[str]]:
    """The media ids the platform attached to each post."""
    return reads.post_media_ids(post_ids)


def post_cards(post_ids: Sequence[str], *, case_media: set[str]) -> list[PostCard]:
    """Cards for these posts, in this order; media already in the case is only counted.

    A fixed number of queries whatever the number of posts: posts, media links, media
    facts and reach are each read once for all of them.
    """
    posts = reads.posts_by_id(post_ids)
    media_of = post_media_ids(post_ids)
    shown_of = {p: [m for m in media_of.get(p, []) if m not in case_media] for p in post_ids}
    post_of = {m: p for p, ids in shown_of.items() for m in ids}
    items = {i.media_id: i for i in media_items(list(post_of), post_of=post_of)}
    reach = reach_points(p for p in post_ids if p in posts)
    cards = []
    for post_id in post_ids:
        post = posts.get(post_id)
        shown = shown_of[post_id]
        cards.append(
            PostCard(
                post_id=post_id,
                known=post is not None,
                text=post.text if post else "",
                handle=post.handle if post else "",
                account_id=post.account_id if post else "",
                created_at=post.created_at if post else None,
                deleted=post.deleted if post else False,
                media=tuple(
                    MediaItem(items[m].media_id, items[m].media_type, items[m].url, post_id)
                    for m in shown
                ),
                media_in_case=len(media_of.get(post_id, [])) - len(shown),
                reach=reach.get(post_id, ()),
            )
        )
    return cards
