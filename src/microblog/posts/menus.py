"""The `⋯` menu of a post: its items, built here so that new ones are one line each."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from microblog.accounts.models import Profile
from microblog.posts.models import Post


@dataclass(frozen=True)
class MenuItem:
    """One entry: a link, a copy-to-clipboard of a URL, or a POST form (with CSRF)."""

    label: str
    kind: str  # "link" | "copy" | "post"
    url: str
    danger: bool = False


def post_menu(post: Post, viewer: Profile | None) -> list[MenuItem]:
    """The items a viewer sees in a post's menu."""
    items = [
        MenuItem("Copy link", "copy", reverse("post", args=[post.public_id])),
        MenuItem("Report post", "link", reverse("report_post", args=[post.public_id])),
    ]
    if viewer is not None and viewer.pk == post.author_id:
        items.append(
            MenuItem("Delete post", "post", reverse("delete_post", args=[post.public_id]), True)
        )
    elif viewer is not None:  # the posts shown are never by accounts the viewer hid already
        handle = post.author.handle
        items.append(MenuItem(f"Mute @{handle}", "post", reverse("mute", args=[handle])))
        items.append(MenuItem(f"Block @{handle}", "post", reverse("block", args=[handle]), True))
    return items
