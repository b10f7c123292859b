"""What each page lists: the home timeline, a profile, a hashtag page and the search tabs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from microblog.accounts.models import Profile
from microblog.posts import hashtags
from microblog.posts.hashtags import HASH_SIGNS
from microblog.posts.models import Hashtag, Post, PostQuerySet

SEARCH_TABS = ("top", "latest", "photos", "videos", "people")
TAB_LABELS = {
    "top": "Top",
    "latest": "Latest",
    "photos": "Photos",
    "videos": "Videos",
    "people": "People",
}


def _with_related(qs: PostQuerySet) -> QuerySet[Post]:
    return qs.select_related("author").prefetch_related("media", "hashtags")


def home_timeline(*, signed_in: bool, viewer: Profile | None = None) -> QuerySet[Post]:
    """Every visible post the viewer has not muted or blocked, newest first; limited ones
    only for people who are logged in."""
    return _with_related(Post.objects.for_viewer(signed_in=signed_in).seen_by(viewer)).order_by(
        "-created_at", "-id"
    )


def profile_posts(profile: Profile, *, signed_in: bool) -> QuerySet[Post]:
    """A profile's visible posts, newest first (limited ones only for people logged in);
    none while the account is suspended."""
    posts = Post.objects.for_viewer(signed_in=signed_in).filter(author=profile)
    return _with_related(posts).order_by("-created_at", "-id")


@dataclass(frozen=True)
class TagPage:
    """A hashtag page: its posts, or nothing when the tag is suppressed."""

    name: str
    suppressed: bool
    posts: QuerySet[Post]


def tag_page(name: str, viewer: Profile | None = None) -> TagPage:
    """The posts carrying a hashtag, newest first; never a limited one, and none of those the
    viewer muted or blocked."""
    name = hashtags.normalise(name)
    if Hashtag.objects.filter(name=name, suppressed_at__isnull=False).exists():
        return TagPage(name=name, suppressed=True, posts=Post.objects.none())
    posts = _with_related(
        Post.objects.unlimited().seen_by(viewer).filter(hashtags__name=name)
    ).order_by("-created_at", "-id")
    return TagPage(name=name, suppressed=False, posts=posts)


def _shown_tags() -> QuerySet[Hashtag]:
    """Tags not suppressed here, on visible, unlimited posts (annotate to count the uses)."""
    return Hashtag.objects.filter(suppressed_at__isnull=True).filter(
        posts__removed_at__isnull=True,
        posts__deleted_at__isnull=True,
        posts__author__suspended_at__isnull=True,
        posts__held_for_review=False,
        posts__limited_at__isnull=True,
    )


def trending_tags(limit: int = 8) -> list[str]:
    """The most used tags on visible, unlimited posts that are not suppressed here (the
    candidates: the page shows those Shieldwall's checks let through, `views.trending`)."""
    rows = _shown_tags().annotate(n=Count("posts")).order_by("-n", "name")
    return list(rows.values_list("name", flat=True)[:limit])


def tags_starting(prefix: str, limit: int = 8) -> list[str]:
    """The most used shown tags whose name starts with the prefix (a normalised tag name)."""
    if not prefix:
        return []
    rows = (
        _shown_tags()
        .filter(name__startswith=prefix)
        .annotate(n=Count("posts"))
        .order_by("-n", "name")
    )
    return list(rows.values_list("name", flat=True)[:limit])


def _terms(query: str) -> list[str]:
    return [t for t in query.split() if t.strip("".join(HASH_SIGNS))]


def touches_suppressed_tag(query: str) -> bool:
    """Whether any word of the query is a suppressed hashtag (with or without `#`)."""
    names = {hashtags.normalise(t) for t in _terms(query)}
    return (
        bool(names) and Hashtag.objects.filter(name__in=names, suppressed_at__isnull=False).exists()
    )


def search(
    query: str, tab: str, viewer: Profile | None = None
) -> QuerySet[Post] | QuerySet[Profile]:
    """One search tab's results; a query naming a suppressed hashtag finds nothing anywhere,
    no tab lists a limited post, and posts of accounts the viewer muted or blocked are left
    out."""
    terms = _terms(query)
    if tab == "people":
        if not terms or touches_suppressed_tag(query):
            return Profile.objects.none()
        cond = Q()
        for t in terms:
            word = t.lstrip("@")
            cond &= (
                Q(handle__icontains=word) | Q(display_name__icontains=word) | Q(bio__icontains=word)
            )
        return Profile.objects.filter(cond, suspended_at__isnull=True).order_by("handle")[:50]
    if not terms or touches_suppressed_tag(query):
        return Post.objects.none()
    cond = Q()
    for t in terms:
        if t.startswith(HASH_SIGNS):
            cond &= Q(hashtags__name=hashtags.normalise(t))
        else:
            cond &= Q(text__icontains=t) | Q(hashtags__name=hashtags.normalise(t))
    # Limited posts are in no tab: search is how sellers' material spreads.
    qs = Post.objects.unlimited().seen_by(viewer).without_suppressed_tags().filter(cond)
    if tab == "photos":
        qs = qs.with_media("image")
    elif tab == "videos":
        qs = qs.with_media("video")
    ids = qs.values("pk").distinct()
    results = _with_related(Post.objects.filter(pk__in=ids))
    if tab == "top":
        return results.order_by((F("views") + 5 * F("reshares")).desc(), "-created_at", "-id")
    return results.order_by("-created_at", "-id")
