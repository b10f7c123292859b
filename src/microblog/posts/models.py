"""Posts, media, hashtags and reshares; what moderation did to them is kept as timestamps."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q, QuerySet

from microblog.accounts.models import Profile, hidden_authors


def new_post_id() -> str:
    """An opaque post id, as sent to Shieldwall."""
    return "p_" + secrets.token_hex(6)


def new_media_id() -> str:
    """An opaque media id, as sent to Shieldwall."""
    return "m_" + secrets.token_hex(6)


class Hashtag(models.Model):
    """A normalised hashtag; a suppressed one returns nothing anywhere in search."""

    name = models.CharField(max_length=100, unique=True)
    suppressed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"#{self.name}"

    @property
    def suppressed(self) -> bool:
        return self.suppressed_at is not None


class PostQuerySet(QuerySet["Post"]):
    """Which posts may be shown where."""

    def visible(self) -> PostQuerySet:
        """Not removed, not deleted, and by an account that is not suspended."""
        return self.filter(
            removed_at__isnull=True, deleted_at__isnull=True, author__suspended_at__isnull=True
        )

    def unlimited(self) -> PostQuerySet:
        """Visible and not limited: what search, tags and trending list, and logged-out
        visitors see anywhere."""
        return self.visible().filter(held_for_review=False, limited_at__isnull=True)

    def for_viewer(self, *, signed_in: bool) -> PostQuerySet:
        """What a timeline shows this viewer: limited posts (behind an interstitial) only to
        people who are logged in."""
        return self.visible() if signed_in else self.unlimited()

    def seen_by(self, viewer: Profile | None) -> PostQuerySet:
        """Without the posts of accounts the viewer muted or blocked, or that blocked them."""
        if viewer is None:
            return self
        return self.exclude(author__in=hidden_authors(viewer))

    def without_suppressed_tags(self) -> PostQuerySet:
        """Posts carrying no suppressed hashtag."""
        return self.exclude(hashtags__suppressed_at__isnull=False)

    def with_media(self, kind: str) -> PostQuerySet:
        """Posts with at least one visible media item of this kind."""
        return self.filter(Q(media__kind=kind) & Q(media__removed_at__isnull=True)).distinct()


class Post(models.Model):
    """A post: text with hashtags, up to four media items, a view counter and reshares."""

    public_id = models.CharField(max_length=40, unique=True, default=new_post_id)
    author = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField(max_length=500, blank=True)
    hashtags = models.ManyToManyField(Hashtag, related_name="posts", blank=True)
    created_at = models.DateTimeField(db_index=True)
    views = models.PositiveIntegerField(default=0)
    reshares = models.PositiveIntegerField(default=0)
    # Shieldwall answered "review" at upload: published, behind an interstitial.
    held_for_review = models.BooleanField(default=False)
    limited_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.public_id

    @property
    def limited(self) -> bool:
        """Shieldwall limited it (`limit_post`) or asked for review at upload: out of search,
        tags and trending, hidden from logged-out visitors, and shown to people who are
        logged in only once they click through "may contain sensitive content"."""
        return self.held_for_review or self.limited_at is not None

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


class Media(models.Model):
    """An image or video attached to a post, stored on disk in the microblog's home."""

    IMAGE, VIDEO = "image", "video"

    public_id = models.CharField(max_length=40, unique=True, default=new_media_id)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=5, choices=[(IMAGE, "image"), (VIDEO, "video")])
    path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    alt_text = models.CharField(max_length=300, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("position", "id")
        verbose_name_plural = "media"

    def __str__(self) -> str:
        return self.public_id

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


class Reshare(models.Model):
    """Someone shared a post with their followers."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="reshares")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reshared_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "post"], name="one_reshare_per_profile")
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} reshared {self.post_id}"
