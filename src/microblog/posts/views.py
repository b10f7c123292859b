"""Pages of the microblog: timeline, compose, post, hashtag, search, media. Thin: see services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET, require_POST

from microblog.posts import feeds, hashtags, services, storage
from microblog.posts.context import viewer_profile
from microblog.posts.forms import ComposeForm
from microblog.posts.models import Media, Post
from microblog.safety import suppression
from microblog.safety.scanning import UploadRefused

PAGE_SIZE = 20
TRENDING = 8
MAX_SUGGEST_QUERY = 200
SUGGESTIONS = 8
DRAFT = "compose_draft"  # what was typed into a post that was not published
MAX_DRAFT = 2000


def _page(request: HttpRequest, items: object) -> Page:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]


def _posts_page(request: HttpRequest, posts: object) -> Page:
    """A page of posts whose tags were checked in one call (a suppressed tag is not linked)."""
    page = _page(request, posts)
    suppression.prefetch_posts([hashtags.tags_in_text(p.text) for p in page])
    return page


def trending() -> list[str]:
    """The trending tags that no check suppresses (none while Shieldwall cannot be asked)."""
    return suppression.allowed_tags(feeds.trending_tags(3 * TRENDING))[:TRENDING]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The home timeline, newest first, with the compose box for logged-in people."""
    return render(
        request,
        "microblog/home.html",
        {
            "page": _posts_page(
                request,
                feeds.home_timeline(
                    signed_in=request.user.is_authenticated, viewer=viewer_profile(request)
                ),
            ),
            "form": ComposeForm(initial=request.session.pop(DRAFT, None)),
            "trending": trending(),
        },
    )


@login_required
@require_POST
def compose(request: HttpRequest) -> HttpResponse:
    """Publish a post; its media is scanned first and a refusal is shown neutrally."""
    author = viewer_profile(request)
    form = ComposeForm(request.POST)
    if author is None or not form.is_valid():
        return _not_published(request, "Posts are at most 500 characters.")
    try:
        uploads = [
            storage.identify(f.read(), form.cleaned_data["alt_text"])
            for f in request.FILES.getlist("media")
        ]
        post = services.publish_post(author=author, text=form.cleaned_data["text"], uploads=uploads)
    except storage.UnreadableUpload as exc:
        return _not_published(request, str(exc))
    except UploadRefused as exc:
        return _not_published(request, exc.message)
    messages.success(request, "Your post was published.")
    return redirect("post", public_id=post.public_id)


def _not_published(request: HttpRequest, message: str) -> HttpResponse:
    """Back to the compose box with the message, and with what was typed still in it."""
    messages.error(request, message)
    draft = {k: request.POST.get(k, "")[:MAX_DRAFT] for k in ("text", "alt_text")}
    if any(draft.values()):
        request.session[DRAFT] = draft
    return redirect("home")


@require_GET
def post_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """One post; counts a view. A removed post says so; a deleted one is gone. A limited post
    is not available to logged-out visitors, and is shown to people logged in only after
    they click through its interstitial (`?show=1`); its views are not counted."""
    post = get_object_or_404(
        Post.objects.select_related("author").prefetch_related("media", "hashtags"),
        public_id=public_id,
        deleted_at__isnull=True,
    )
    hidden = post.removed or post.author.suspended
    if not hidden and post.limited and not request.user.is_authenticated:
        return render(
            request, "microblog/post.html", {"post": post, "unavailable": True}, status=404
        )
    if not hidden and not post.limited:
        services.record_view(post=post)
        post.views += 1
    shown = post.public_id if request.GET.get("show") == "1" else ""
    return render(request, "microblog/post.html", {"post": post, "hidden": hidden, "shown": shown})


@login_required
@require_POST
def reshare(request: HttpRequest, public_id: str) -> HttpResponse:
    """Reshare a post (once per person)."""
    viewer = viewer_profile(request)
    post = get_object_or_404(Post.objects.unlimited(), public_id=public_id)  # limited: no reach
    if viewer is not None and services.reshare(post=post, by=viewer):
        messages.success(request, "Reshared.")
    return redirect(request.POST["next"] if _safe_next(request) else "home")


def _safe_next(request: HttpRequest) -> bool:
    nxt = request.POST.get("next", "")
    return nxt.startswith("/") and not nxt.startswith("//")


@login_required
@require_POST
def delete_post(request: HttpRequest, public_id: str) -> HttpResponse:
    """The author deletes their post."""
    viewer = viewer_profile(request)
    post = get_object_or_404(Post, public_id=public_id, deleted_at__isnull=True)
    if viewer is None or post.author_id != viewer.pk:
        raise Http404
    services.delete_post(post=post, by=viewer)
    messages.success(request, "Your post was deleted.")
    return redirect("home")


@require_GET
def tag(request: HttpRequest, name: str) -> HttpResponse:
    """A hashtag's posts. A tag suppressed here (Shieldwall's `suppress_hashtag`) shows
    nothing; one Shieldwall's check suppresses shows its interstitial and nothing; when the
    check cannot be made, "search is unavailable" and nothing (fail closed)."""
    if not hashtags.is_tag_name(name):  # no post can carry it
        raise Http404
    page = feeds.tag_page(name, viewer_profile(request))
    # Asked even when suppressed here, so the page shows Shieldwall's help, not just nothing.
    verdict = suppression.check_tag(page.name)
    if verdict.suppressed:
        page = feeds.TagPage(name=page.name, suppressed=True, posts=page.posts.none())
    return render(
        request,
        "microblog/tag.html",
        {
            "tag": page,
            "verdict": verdict,
            "page": None if page.suppressed else _posts_page(request, page.posts),
        },
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search with tabs Top, Latest, Photos, Videos and People. Every tab asks Shieldwall
    first: a suppressed query shows the interstitial and no results on any tab (and when it
    cannot be asked, "search is unavailable" and no results)."""
    query = request.GET.get("q", "").strip()[:200]
    tab = request.GET.get("tab", "top")
    if tab not in feeds.SEARCH_TABS:
        tab = "top"
    verdict = suppression.check_query(query) if query else suppression.SHOWN
    page: Page | None = None
    if query and not verdict.suppressed:  # a suppressed query is not even run
        results = feeds.search(query, tab, viewer_profile(request))
        page = _page(request, results) if tab == "people" else _posts_page(request, results)
    return render(
        request,
        "microblog/search.html",
        {
            "query": query,
            "tab": tab,
            "tabs": [(t, feeds.TAB_LABELS[t]) for t in feeds.SEARCH_TABS],
            "verdict": verdict,
            "page": page,
        },
    )


@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    """Autocomplete for the search boxes: `{"suggestions": [{"tag", "label", "url"}]}`, the
    most used tags starting with the last word typed. Nothing when what was typed is itself
    suppressed (or cannot be checked), and never a tag a check suppresses."""
    raw = request.GET.get("q", "")
    if len(raw) > MAX_SUGGEST_QUERY:
        return JsonResponse(
            {
                "error": {
                    "code": "too_long",
                    "message": f"q is at most {MAX_SUGGEST_QUERY} characters",
                    "field": "q",
                }
            },
            status=422,
        )
    query = raw.strip()
    words = query.split()
    prefix = hashtags.normalise(words[-1]) if words else ""
    names: list[str] = []
    if prefix and not suppression.check_query(query).suppressed:
        candidates = feeds.tags_starting(prefix, 2 * SUGGESTIONS)
        names = suppression.allowed_tags(candidates)[:SUGGESTIONS]
    response = JsonResponse(
        {
            "suggestions": [
                {"tag": n, "label": f"#{n}", "url": reverse("tag", args=[n])} for n in names
            ]
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def media(request: HttpRequest, public_id: str) -> FileResponse:
    """A media file, while it and its post may be shown. A limited post's media is not
    available to logged-out visitors, except with the key given to Shieldwall's desk."""
    item = get_object_or_404(
        Media.objects.select_related("post__author"),
        public_id=public_id,
        removed_at__isnull=True,
        post__removed_at__isnull=True,
        post__deleted_at__isnull=True,
        post__author__suspended_at__isnull=True,
    )
    limited = item.post.limited
    if limited and not request.user.is_authenticated:
        given = request.GET.get("key", "")
        if not constant_time_compare(given, services.media_key(item.public_id)):
            raise Http404
    path = storage.absolute(item.path)
    if not path.exists():
        raise Http404
    response = FileResponse(path.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, no-store" if limited else "private, max-age=60"
    return response
