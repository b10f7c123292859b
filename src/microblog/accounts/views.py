"""Sign-up and profiles; log-in and log-out are Django's own views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from microblog.accounts import services
from microblog.accounts.forms import SignUpForm
from microblog.accounts.models import Block, Profile
from microblog.accounts.services import SignUpError, sign_up
from microblog.posts import feeds, hashtags
from microblog.posts.context import viewer_profile
from microblog.safety import suppression


def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and log in."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = sign_up(
                handle=form.cleaned_data["handle"],
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password"],
            )
        except SignUpError as exc:
            form.add_error("handle", str(exc))
        else:
            login(request, profile.user)
            return redirect("home")
    return render(request, "microblog/signup.html", {"form": form})


def profile(request: HttpRequest, handle: str) -> HttpResponse:
    """A profile and its posts; a suspended account shows only that it is suspended, and a
    block either way shows no posts."""
    person = get_object_or_404(Profile, handle=handle.lower())
    viewer = viewer_profile(request)
    blocked, muted = services.relation(viewer, person)
    blocks_viewer = viewer is not None and Block.objects.filter(blocker=person, blocked=viewer)
    shown = feeds.profile_posts(person, signed_in=request.user.is_authenticated)
    if blocked or blocks_viewer:
        shown = shown.none()
    posts = Paginator(shown, 20).get_page(request.GET.get("page"))
    suppression.prefetch_posts([hashtags.tags_in_text(p.text) for p in posts])
    return render(
        request,
        "microblog/profile.html",
        {"person": person, "page": posts, "blocked": blocked, "muted": muted},
    )


VERBS = {
    "block": (
        services.block,
        "You blocked @{}. You won't see their posts, and they won't see yours.",
    ),
    "unblock": (services.unblock, "You unblocked @{}."),
    "mute": (services.mute, "You muted @{}. Their posts won't show in your timeline."),
    "unmute": (services.unmute, "You unmuted @{}."),
}


@login_required
@require_POST
def relate(request: HttpRequest, handle: str, verb: str) -> HttpResponse:
    """Block, unblock, mute or unmute an account, then go back where the person was."""
    viewer = viewer_profile(request)
    target = get_object_or_404(Profile, handle=handle.lower())
    if viewer is None or viewer.pk == target.pk or verb not in VERBS:
        raise Http404
    change, message = VERBS[verb]
    change(by=viewer, target=target)
    messages.success(request, message.format(target.handle))
    nxt = request.POST.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt:
        return redirect(nxt)
    return redirect("profile", handle=target.handle)
