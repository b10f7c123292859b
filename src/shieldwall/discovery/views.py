"""The desk's discovery pages (staff HTML + htmx): suggested tags to review, accounts found.

Thin, as every desk view: parse, call `discovery.services` (which checks the role again and
audits), word the result with `discovery.desk`, render. A refused or malformed request comes
back as a message for the page's live region (htmx) or the desk's error page, never a 500.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from shieldwall.cases.post_cards import post_cards
from shieldwall.cases.views import _actor, _is_htmx, desk_view
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Invalid, NotFound
from shieldwall.discovery import desk, reveals, services
from shieldwall.discovery.kinds import SuggestionState
from shieldwall.discovery.models import TagSuggestion
from shieldwall.discovery.permissions import REVIEW_SUGGESTIONS
from shieldwall.subjects import reads
from shieldwall.terms.permissions import MANAGE_RULES

PAGE_SIZE = 50
MAX_ID_CHARS = 20
MATCHES = tuple(value for value, _ in desk.MATCH_CHOICES)


def _can_review(actor: Actor) -> bool:
    """Approving makes a term rule: both rights are needed (the service checks them too)."""
    return actor.can(REVIEW_SUGGESTIONS) and actor.can(MANAGE_RULES)


def _suggestion_id(raw: str) -> int:
    """The id in the address, or a clear 404 (never a 500 on "1e9", "-1" or "½")."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_ID_CHARS:
        raise NotFound("no_such_suggestion", f"There is no suggestion {raw[:40]!r}.")
    return int(raw)


def _reason(request: HttpRequest) -> str:
    """The reason typed (the service requires one and bounds it); a NUL is refused here, as
    PostgreSQL refuses it in a text column."""
    reason = request.POST.get("reason", "")[: services.MAX_REASON + 1]
    if "\x00" in reason:
        raise Invalid("bad_reason", "The reason holds a character that cannot be stored.")
    return reason


def _views(rows: Sequence[TagSuggestion]) -> list[desk.SuggestionView]:
    """Word these suggestions, with their example posts and accounts read in one go each."""
    cards = {c.post_id: c for c in post_cards(desk.example_post_ids(rows), case_media=set())}
    handles = reads.handles_of(desk.evidence_account_ids(rows))
    weights = services.ranking_weights()
    return [desk.suggestion_view(s, weights=weights, cards=cards, handles=handles) for s in rows]


@require_GET
@desk_view
def queue(request: HttpRequest) -> HttpResponse:
    """Suggested tags, best first; reviewed ones behind the state filter."""
    actor = _actor(request)
    state = request.GET.get("state", SuggestionState.OPEN)[:20]
    if state not in SuggestionState.values:
        state = SuggestionState.OPEN  # a filter nobody offered reads as the default
    rows = services.suggestions(state, PAGE_SIZE, actor=actor)
    context = {
        "items": _views(rows),
        "state": state,
        "states": desk.STATE_FILTERS,
        "matches": desk.MATCH_CHOICES,
        "can_review": _can_review(actor),
        "page_size": PAGE_SIZE,
    }
    return render(request, "discovery/queue.html", context)


def _reviewed(request: HttpRequest, found: TagSuggestion, message: str) -> HttpResponse:
    """The reviewed card in place (htmx), or back to the queue with the message."""
    if not _is_htmx(request):
        messages.success(request, message)
        return redirect("discovery:queue")
    still_open = len(services.suggestions(SuggestionState.OPEN, PAGE_SIZE))
    context = {
        "s": _views([found])[0],
        "can_review": False,
        "message": message,
        # The page's count of open suggestions, swapped beside the card.
        "oob": True,
        "count": still_open,
        "state": SuggestionState.OPEN,
        "page_size": PAGE_SIZE,
    }
    return render(request, "discovery/_suggestion.html", context)


@require_POST
@desk_view
def approve(request: HttpRequest, suggestion_id: str) -> HttpResponse:
    """Approve a suggested tag: the service makes the term rule that blocks it."""
    match = request.POST.get("match", "exact")[:20]
    if match not in MATCHES:
        raise Invalid("bad_match", "Choose exact or contains.", field="match")
    found = services.approve(
        _suggestion_id(suggestion_id),
        actor=_actor(request),
        reason=_reason(request),
        match=match,
    )
    return _reviewed(request, found, f"#{found.tag} approved: it is blocked from now on.")


@require_POST
@desk_view
def reject(request: HttpRequest, suggestion_id: str) -> HttpResponse:
    """Reject a suggested tag: it leaves the queue and the ranking learns from it."""
    found = services.reject(
        _suggestion_id(suggestion_id),
        actor=_actor(request),
        reason=_reason(request),
    )
    return _reviewed(request, found, f"#{found.tag} rejected: it leaves the queue.")


@require_POST
@desk_view
def reveal(request: HttpRequest, suggestion_id: str) -> HttpResponse:
    """Record that the person viewed an example post's media, then (only then) return it
    unblurred: only media of this suggestion's example posts."""
    actor = _actor(request)
    found_id = _suggestion_id(suggestion_id)
    media_id = request.POST.get("media_id", "")[:200]
    reveals.record_media_view(suggestion_id=found_id, media_id=media_id, actor=actor)
    if not _is_htmx(request):
        return redirect("discovery:queue")
    item = _views([services.suggestion(found_id, actor=actor)])[0].find_media(media_id)
    if item is None:  # the post's media changed between the two reads
        raise NotFound("media_not_found", f"This suggestion shows no media {media_id!r}.")
    return render(request, "discovery/_media_revealed.html", {"item": item})


@require_GET
@desk_view
def leads(request: HttpRequest) -> HttpResponse:
    """Accounts found close to blocked tags and removed content, with their evidence."""
    actor = _actor(request)
    rows = services.account_leads(PAGE_SIZE, actor=actor)
    handles = reads.handles_of(r.account_id for r in rows)
    now = timezone.now()
    items = [desk.lead_view(r, handles=handles, now=now) for r in rows]
    return render(request, "discovery/leads.html", {"items": items})
