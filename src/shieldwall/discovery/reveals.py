"""Revealing an example post's media on the suggestions queue: only media of that
suggestion's example posts, only for a role that may view media, and every reveal recorded
in the audit log (as the case page records each reveal)."""

from __future__ import annotations

from django.db import transaction

from shieldwall.cases.permissions import VIEW_MEDIA
from shieldwall.core import audit
from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import NotFound
from shieldwall.discovery.events import DiscoveryEvent
from shieldwall.discovery.models import TagSuggestion
from shieldwall.discovery.permissions import VIEW_DISCOVERY
from shieldwall.subjects import reads

EXAMPLE_POSTS = 6  # as many example posts as the queue shows (discovery.desk.EXAMPLE_POSTS)


def example_post_ids(found: TagSuggestion) -> list[str]:
    """The example posts the queue shows for this suggestion, in order."""
    ev = found.evidence if isinstance(found.evidence, dict) else {}
    ids = ev.get("post_ids")
    return [p for p in ids if isinstance(p, str)][:EXAMPLE_POSTS] if isinstance(ids, list) else []


def record_media_view(*, suggestion_id: int, media_id: str, actor: Actor) -> str:
    """Record that a person revealed this media of one of the suggestion's example posts;
    return the post it belongs to (NotFound when the suggestion shows no such media)."""
    require(actor, VIEW_DISCOVERY)
    require(actor, VIEW_MEDIA)
    with transaction.atomic():
        found = TagSuggestion.objects.filter(pk=suggestion_id).first()
        if found is None:
            raise NotFound("no_such_suggestion", f"There is no suggestion {suggestion_id}.")
        on_posts = reads.post_media_ids(example_post_ids(found))
        post_id = next((p for p, ids in on_posts.items() if media_id and media_id in ids), "")
        if not post_id:
            raise NotFound("media_not_found", f"This suggestion shows no media {media_id!r}.")
        audit.record(
            actor=actor,
            action=DiscoveryEvent.MEDIA_VIEWED,
            subject_type="tag_suggestion",
            subject_id=found.pk,
            data={"tag": found.tag, "post_id": post_id, "media_id": media_id},
        )
    return post_id
