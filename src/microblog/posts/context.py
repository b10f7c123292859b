"""Template context for every page: the viewer's profile and the site's name."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from microblog.accounts.models import Profile

SITE_NAME = "Tidepool"


def viewer_profile(request: HttpRequest) -> Profile | None:
    """The logged-in person's profile, if any."""
    if not hasattr(request, "_viewer"):
        user = request.user
        profile = Profile.objects.filter(user_id=user.pk).first() if user.is_authenticated else None
        request._viewer = profile  # type: ignore[attr-defined]
    return request._viewer  # type: ignore[attr-defined]


def site(request: HttpRequest) -> dict[str, Any]:
    """`site_name`, `viewer` (a Profile or None) and the search query in the header."""
    return {
        "site_name": SITE_NAME,
        "viewer": viewer_profile(request),
        "header_query": request.GET.get("q", "") if request.path == "/search" else "",
    }
