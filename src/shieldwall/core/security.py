"""Headers on every HTML page: a strict Content-Security-Policy, and no caching of pages
that show staff or reporters' data."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Scripts and styles only from our own static files (no inline code, no eval). Media the
# platform serves is shown to moderators from its own hosts, so images and video may come
# from any http(s) origin; they cannot run code.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob: https: http:",
        "media-src 'self' blob: https: http:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Staff pages, and the public report form that a victim may fill in on a shared device.
NO_STORE_PREFIXES = ("/desk/", "/staff/", "/admin/", "/accounts/", "/report")


class PageSecurityHeaders:
    """Adds the CSP to HTML responses and `Cache-Control: no-store` to private pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.path.startswith(NO_STORE_PREFIXES):
            response["Cache-Control"] = "no-store"
        return response
