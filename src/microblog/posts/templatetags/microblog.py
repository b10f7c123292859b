"""Template filters: hashtags as links, short relative times, compact counts."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from microblog.accounts.models import Profile
from microblog.posts import hashtags
from microblog.posts.menus import MenuItem, post_menu
from microblog.posts.models import Post
from microblog.safety import suppression

register = template.Library()


@register.filter
def linkify(text: str) -> SafeString:
    """Post text, escaped, with each hashtag linked to its page; a tag a check suppresses
    is plain text (no link)."""
    out = []
    pieces = hashtags.split_for_display(text)
    hidden = suppression.suppressed_in_text(list(dict.fromkeys(t for _, t in pieces if t)))
    for piece, tag in pieces:
        if tag is None or tag in hidden:
            out.append(escape(piece))
        else:
            out.append(
                format_html('<a class="tag" href="{}">{}</a>', reverse("tag", args=[tag]), piece)
            )
    return mark_safe("".join(out))  # noqa: S308 (every piece is escaped above)


@register.filter
def ago(when: datetime) -> str:
    """ "now", "5m", "3h", "2d", or the date for older times."""
    seconds = (timezone.now() - when).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d"
    return f"{when:%b} {when.day}"


@register.filter
def compact(n: int) -> str:
    """1234 as "1.2K", 167000 as "167K"."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}K".replace(".0K", "K") if n < 10_000 else f"{n // 1000}K"
    return f"{n / 1_000_000:.1f}M".replace(".0M", "M")


@register.simple_tag
def menu_for(post: Post, viewer: Profile | None) -> list[MenuItem]:
    """The `⋯` menu items of a post for this viewer."""
    return post_menu(post, viewer)
