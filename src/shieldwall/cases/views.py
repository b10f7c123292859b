"""The moderator's desk (staff HTML + htmx): the queue, the case page and their actions.

Views parse the request, call a query or a service, and render; the services check roles
again. A refused action comes back as a short message for the page's live region (htmx) or
a plain error page, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from shieldwall.cases import desk, queries, services, unresolved
from shieldwall.cases.models import OPEN_STATES, Tier
from shieldwall.cases.permissions import ACKNOWLEDGE_CASES, VIEW_CASES
from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import Invalid, ServiceError
from shieldwall.core.roles import user_actor
from shieldwall.reports.categories import Category

View = Callable[..., HttpResponse]
VERBS = ("acknowledge", "escalate", "assign", "comment", "decide")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _actor(request: HttpRequest) -> Actor:
    return user_actor(request.user)


def _flash(request: HttpRequest, message: str, *, status: int = 200, error: bool = False) -> Any:
    """A message for the page's live region (#flash), swapped there whatever the target was."""
    response = render(
        request, "cases/_flash.html", {"message": message, "error": error}, status=status
    )
    response["HX-Retarget"] = "#flash"
    response["HX-Reswap"] = "innerHTML"
    return response


def desk_view(view: View) -> View:
    """Log-in required (an htmx call is sent to the log-in page), service errors shown kindly."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if _is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = f"{settings.LOGIN_URL}?next={reverse('desk:queue')}"
                return response
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except ServiceError as exc:
            if _is_htmx(request):
                return _flash(request, exc.message, status=exc.status, error=True)
            return render(request, "cases/error.html", {"error": exc}, status=exc.status)

    return wrapped


def _case(request: HttpRequest, actor: Actor, public_id: str) -> desk.CaseDetail:
    """Read the case, then word it for the page."""
    found = queries.case_detail(actor=actor, user=request.user, public_id=public_id)
    return desk.case_detail(found, timezone.now())


@require_GET
@desk_view
def queue(request: HttpRequest) -> HttpResponse:
    """The queue: open cases by tier then deadline, filtered, 50 at a time."""
    actor = _actor(request)
    filters = queries.QueueFilters.from_query(request.GET)
    found = queries.queue_page(
        actor=actor, user=request.user, filters=filters, cursor=request.GET.get("after", "")[:200]
    )
    page = desk.queue_page(found, timezone.now())
    context = {"page": page, "after": request.GET.get("after", "")}
    if _is_htmx(request) and request.headers.get("HX-Target") == "queue-results":
        return render(request, "cases/_queue_results.html", context)
    context |= {
        "counts": services.queue_counts(),
        "categories": Category.choices,
        "states": [(s.value, s.label) for s in OPEN_STATES],
        "tiers": Tier.choices,
        "staff": queries.staff_usernames(),
        "unresolved": unresolved.unresolved_count() if actor.can(ACKNOWLEDGE_CASES) else None,
    }
    return render(request, "cases/queue.html", context)


@require_GET
@desk_view
def counts(request: HttpRequest) -> HttpResponse:
    """The live counts per tier and state (polled by the queue page)."""
    require(_actor(request), VIEW_CASES)
    return render(request, "cases/_counts.html", {"counts": services.queue_counts()})


@require_GET
@desk_view
def case_page(request: HttpRequest, public_id: str) -> HttpResponse:
    """One case: its reports, subject, media (blurred), matches, comments and audit trail."""
    detail = _case(request, _actor(request), public_id)
    return render(request, "cases/case.html", {"d": detail})


@require_GET
@desk_view
def actions(request: HttpRequest, public_id: str) -> HttpResponse:
    """The case's actions and how each stands with the platform (polled while they settle)."""
    found = queries.case_actions(actor=_actor(request), public_id=public_id)
    return render(request, "cases/_actions.html", {"d": found})


def _act(request: HttpRequest, actor: Actor, public_id: str, verb: str) -> str:
    """Call the service for one desk action; return what to tell the moderator."""
    post = request.POST
    if verb == "acknowledge":
        services.acknowledge(case_id=public_id, actor=actor)
        return "Acknowledged."
    if verb == "escalate":
        services.escalate(case_id=public_id, actor=actor, note=post.get("note", "").strip())
        return "Escalated to a lead."
    if verb == "assign":
        who = post.get("assignee", "").strip()
        username = request.user.get_username() if who == "me" else who or None
        services.assign(case_id=public_id, username=username, actor=actor)
        return f"Assigned to {username}." if username else "Unassigned."
    if verb == "comment":
        services.comment(case_id=public_id, text=post.get("text", ""), actor=actor)
        return "Comment added."
    decision = post.get("decision", "")
    # The remove form lists the posts reported with the case; what is left ticked goes too.
    chosen = [p[:200] for p in post.getlist("post_ids")] if post.get("choose_posts") else None
    # "Suppress hashtag" on a post lists the post's hashtags; the ticked ones are suppressed.
    tags = None
    if post.get("choose_hashtags"):
        tags = [t[:200] for t in post.getlist("hashtags")[:100]]
    services.decide(
        case_id=public_id,
        decision=decision,
        actor=actor,
        note=post.get("note", "").strip(),
        post_ids=chosen,
        hashtags=tags,
    )
    return f"Done: {desk.decision_verb(decision)}. The platform has been sent the action."


@require_POST
@desk_view
def act(request: HttpRequest, public_id: str, verb: str) -> HttpResponse:
    """Run one action on the case and return its refreshed work panel (htmx) or the page."""
    if verb not in VERBS:
        raise Invalid("unknown_action", f"There is no desk action {verb!r}.")
    actor = _actor(request)
    message = _act(request, actor, public_id, verb)
    if not _is_htmx(request):
        return redirect("desk:case", public_id=public_id)
    detail = _case(request, actor, public_id)
    return render(request, "cases/_work.html", {"d": detail, "message": message})


@require_POST
@desk_view
def reveal(request: HttpRequest, public_id: str) -> HttpResponse:
    """Record that the moderator viewed a media item, then (only then) return it unblurred."""
    actor = _actor(request)
    media_id = request.POST.get("media_id", "")[:200]
    services.record_media_view(case_id=public_id, media_id=media_id, actor=actor)
    detail = _case(request, actor, public_id)
    item = detail.find_media(media_id)
    if not _is_htmx(request) or item is None:
        return redirect("desk:case", public_id=public_id)
    return render(request, "cases/_media_revealed.html", {"d": detail, "item": item})


@require_POST
@desk_view
def bulk(request: HttpRequest) -> HttpResponse:
    """Decide the selected cases at once (leads), then return the refreshed queue."""
    actor = _actor(request)
    ids = [i[:40] for i in request.POST.getlist("case_ids")]
    decision = request.POST.get("decision", "")
    n = services.bulk_decide(
        case_ids=ids, decision=decision, actor=actor, note=request.POST.get("note", "").strip()
    )
    if not _is_htmx(request):
        return redirect("desk:queue")
    filters = queries.QueueFilters.from_query(request.POST)
    found = queries.queue_page(actor=actor, user=request.user, filters=filters)
    page = desk.queue_page(found, timezone.now())
    label = desk.decision_verb(decision)
    response = render(
        request,
        "cases/_queue_results.html",
        {"page": page, "message": f"{n} case{'s' if n != 1 else ''} closed: {label}."},
    )
    response["HX-Trigger"] = "counts-changed"
    return response
