"""Platform subjects: media (kept as hashes), accounts, posts, hashtags and reach over time.

Platform ids (`account_id`, `post_id`, `media_id`) are the platform's own opaque strings.
Note that `Post.account_id` is Django's raw foreign-key column (our integer key); the
platform's account id of a post is `post.account.account_id`.
"""

from __future__ import annotations

from django.db import models


class PlatformMedia(models.Model):
    """A platform's media item, identified by the platform's own id; bytes are never kept."""

    media_id = models.CharField(max_length=200, unique=True)
    post_id = models.CharField(max_length=200, blank=True, db_index=True)
    account_id = models.CharField(max_length=200, blank=True, db_index=True)
    media_type = models.CharField(max_length=8)
    format = models.CharField(max_length=16, blank=True)
    md5 = models.CharField(max_length=32, db_index=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    pdq = models.CharField(max_length=64, blank=True, db_index=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    vpdq = models.JSONField(default=list, blank=True)
    # [[edit, pdq, quality], ...]: hashes of small crops and rotations of an image, kept so
    # that removing the post banks its near copies too (the pixels themselves are not kept).
    pdq_near = models.JSONField(default=list, blank=True)
    verdict = models.CharField(max_length=8)
    first_scanned_at = models.DateTimeField(auto_now_add=True)
    last_scanned_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "platform media"

    def __str__(self) -> str:
        return self.media_id


class Account(models.Model):
    """A platform account; a placeholder (only its id) until an account event describes it."""

    account_id = models.CharField(max_length=200, unique=True)
    handle = models.CharField(max_length=200, blank=True, db_index=True)
    display_name = models.CharField(max_length=200, blank=True)
    bio = models.TextField(blank=True)
    url = models.CharField(max_length=2000, blank=True)
    platform_created_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_event_at = models.DateTimeField(
        null=True, blank=True, help_text="occurred_at of the event that last changed it"
    )
    is_placeholder = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"@{self.handle}" if self.handle else self.account_id


class Post(models.Model):
    """A platform post; content-less (no account) while only its deletion, media or metrics
    are known."""

    post_id = models.CharField(max_length=200, unique=True)
    # Indexed together with the time below ("an account's posts by time").
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
        db_index=False,
    )
    text = models.TextField(blank=True)
    reply_to = models.CharField(max_length=200, blank=True)
    quote_of = models.CharField(max_length=200, blank=True)
    reshare_of = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=2000, blank=True)
    platform_created_at = models.DateTimeField(
        null=True, blank=True, help_text="created_at from the platform, else the earliest event"
    )
    first_seen_at = models.DateTimeField()
    last_event_at = models.DateTimeField(
        null=True, blank=True, help_text="occurred_at of the event that last changed it"
    )
    content_at = models.DateTimeField(
        null=True, blank=True, help_text="occurred_at of the post event its content comes from"
    )
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="occurred_at of its deletion on the platform"
    )

    class Meta:
        indexes = [
            models.Index(fields=["account", "platform_created_at"], name="subj_post_account_time"),
            models.Index(
                fields=["reshare_of"],
                condition=~models.Q(reshare_of=""),
                name="subj_post_reshare_of",
            ),
        ]

    def __str__(self) -> str:
        return self.post_id

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Hashtag(models.Model):
    """A hashtag by its normalised name (see hashtags.normalise_hashtag)."""

    name = models.CharField(max_length=100, unique=True)
    first_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"#{self.name}"


class PostHashtag(models.Model):
    """One use of a hashtag: the post carries it since `used_at` (platform time)."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="hashtag_uses", db_index=False
    )
    hashtag = models.ForeignKey(
        Hashtag, on_delete=models.PROTECT, related_name="uses", db_index=False
    )
    used_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "hashtag"], name="subj_posthashtag_unique")
        ]
        indexes = [models.Index(fields=["hashtag", "used_at"], name="subj_hashtag_uses_time")]

    def __str__(self) -> str:
        return f"{self.post_id}#{self.hashtag_id}"


class PostMedia(models.Model):
    """A media item seen on a post. Links are only added: media once on a post stays on record.

    `media_id` matches `PlatformMedia.media_id`, which may arrive before or after (or never).
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media", db_index=False)
    media_id = models.CharField(max_length=200, db_index=True)
    media_type = models.CharField(max_length=8, blank=True)
    attached_at = models.DateTimeField()
    url = models.CharField(
        max_length=2000, blank=True, help_text="where the platform serves it to moderators"
    )

    class Meta:
        verbose_name_plural = "post media"
        constraints = [
            models.UniqueConstraint(fields=["post", "media_id"], name="subj_postmedia_unique")
        ]

    def __str__(self) -> str:
        return f"{self.post_id}:{self.media_id}"


class PostMetrics(models.Model):
    """A post's cumulative counts at one moment; the series is its reach over time."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="metrics", db_index=False)
    at = models.DateTimeField()
    views = models.PositiveBigIntegerField()
    reshares = models.PositiveBigIntegerField()
    likes = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "post metrics"
        # Also the index for "the newest sample of a post" (read backwards).
        constraints = [
            models.UniqueConstraint(fields=["post", "at"], name="subj_postmetrics_unique")
        ]

    def __str__(self) -> str:
        return f"{self.post_id}@{self.at:%Y-%m-%dT%H:%M:%SZ}"


class ProcessedEvent(models.Model):
    """An event id already taken in: a second delivery of it changes nothing."""

    event_id = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=32)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        permissions = [("send_events", "Send platform events (accounts, posts, media, metrics)")]

    def __str__(self) -> str:
        return self.event_id


class PlatformProfile(models.Model):
    """How the platform's public links map to its ids, and where it serves media (one row).

    `links` maps a subject type to its link patterns (see subjects.links), e.g.
    {"post": ["/p/{id}"], "account": ["/@{handle}"], "hashtag": ["/tag/{name}"]}.
    """

    hosts = models.JSONField(default=list, help_text="public hosts, name or name:port")
    links = models.JSONField(default=dict, help_text="subject type -> link patterns")
    media_hosts = models.JSONField(default=list, help_text="hosts the desk may load media from")
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=200)

    class Meta:
        permissions = [("configure_platform", "Register the platform's links and media hosts")]

    def __str__(self) -> str:
        return ", ".join(self.hosts) or "platform profile"
