"""The verbs of posting: publish (after the scan), delete, count a view, reshare."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from microblog.accounts.models import Profile
from microblog.posts import hashtags, storage
from microblog.posts.models import Hashtag, Media, Post, Reshare, new_media_id, new_post_id
from microblog.safety import events
from microblog.safety.scanning import UploadRefused, scan_uploads
from shieldwall_client import events as sw_events

log = logging.getLogger(__name__)
MAX_TEXT = 500
MEDIA_KEY_SALT = "microblog.posts.media-for-moderators"


def post_url(public_id: str) -> str:
    """The post's public address, as given to Shieldwall."""
    return settings.PUBLIC_URL + reverse("post", args=[public_id])


def media_key(public_id: str) -> str:
    """The key in the media address given to Shieldwall: it opens a limited post's media for
    a moderator's desk, which is not logged in to Tidepool."""
    return salted_hmac(MEDIA_KEY_SALT, public_id, algorithm="sha256").hexdigest()[:32]


def media_url(public_id: str) -> str:
    """Where Tidepool serves a media file; moderators' desks load it only when revealed."""
    return f"{settings.PUBLIC_URL}{reverse('media', args=[public_id])}?key={media_key(public_id)}"


def publish_post(
    *,
    author: Profile,
    text: str,
    uploads: Sequence[storage.Upload] = (),
    created_at: datetime | None = None,
) -> Post:
    """Scan the media, then publish the post; raise UploadRefused with a message to show."""
    text = text.strip()
    if author.suspended:
        raise UploadRefused("Your account is suspended, so you can't post.")
    if not text and not uploads:
        raise UploadRefused("Write something or add a photo or video.")
    if len(text) > MAX_TEXT:
        raise UploadRefused(f"Posts are at most {MAX_TEXT} characters.")
    if len(uploads) > settings.MAX_UPLOADS_PER_POST:
        raise UploadRefused(f"Add at most {settings.MAX_UPLOADS_PER_POST} photos or videos.")
    post_id = new_post_id()
    items = [(new_media_id(), u) for u in uploads]
    outcome = scan_uploads(items, post_id=post_id, account_id=author.public_id)
    tags = hashtags.parse(text)
    when = created_at or timezone.now()
    for media_id, upload in items:
        storage.save(storage.media_path(media_id, upload.content_type), upload.data)
    try:
        with transaction.atomic():
            post = Post.objects.create(
                public_id=post_id,
                author=author,
                text=text,
                created_at=when,
                held_for_review=outcome.limited,
            )
            if tags:
                Hashtag.objects.bulk_create([Hashtag(name=t) for t in tags], ignore_conflicts=True)
                post.hashtags.set(Hashtag.objects.filter(name__in=tags))
            Media.objects.bulk_create(
                [
                    Media(
                        public_id=media_id,
                        post=post,
                        position=i,
                        kind=u.kind,
                        path=storage.media_path(media_id, u.content_type),
                        content_type=u.content_type,
                        alt_text=u.alt_text[:300],
                        width=u.width,
                        height=u.height,
                    )
                    for i, (media_id, u) in enumerate(items)
                ]
            )
            events.enqueue(
                [
                    sw_events.post_created(
                        post_id,
                        author.public_id,
                        text,
                        hashtags=tags,
                        media_ids=[m for m, _ in items],
                        created_at=post.created_at,
                        url=post_url(post_id),
                    ),
                    *(
                        sw_events.media_attached(
                            m,
                            post_id,
                            "video" if u.kind == "video" else "image",
                            url=media_url(m),
                        )
                        for m, u in items
                    ),
                ]
            )
    except Exception:
        for media_id, upload in items:
            storage.delete(storage.media_path(media_id, upload.content_type))
        raise
    return post


def delete_post(*, post: Post, by: Profile) -> None:
    """The author deletes their post; its media files go with it."""
    if post.author_id != by.pk:
        raise PermissionError("only the author can delete a post")
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now())
        events.enqueue([sw_events.post_deleted(post.public_id)])
    for media in post.media.all():
        storage.delete(media.path)


def _metrics(post_pk: int) -> None:
    views, reshares, public_id = Post.objects.values_list("views", "reshares", "public_id").get(
        pk=post_pk
    )
    events.enqueue([sw_events.post_metrics(public_id, views, reshares)])


def record_view(*, post: Post) -> None:
    """Count one view of the post page, and tell Shieldwall the post's reach (a limited
    post's views are not counted: it is not meant to reach anyone)."""
    if post.limited:
        return
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(views=F("views") + 1)
        _metrics(post.pk)


def reshare(*, post: Post, by: Profile) -> bool:
    """Share a post once per person; return whether this was a new reshare."""
    with transaction.atomic():
        _, created = Reshare.objects.get_or_create(profile=by, post=post)
        if created:
            Post.objects.filter(pk=post.pk).update(reshares=F("reshares") + 1)
            _metrics(post.pk)
    return created
