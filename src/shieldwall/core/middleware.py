"""Request guards that act before Django reads a body."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

# Room for multipart framing and the small form fields beside the media.
_MULTIPART_OVERHEAD = 1024 * 1024


class BodySizeLimit:
    """Refuse a request whose declared body exceeds the upload limit, before reading it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.SHIELDWALL.max_upload_bytes + _MULTIPART_OVERHEAD
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return JsonResponse(
                {
                    "error": {
                        "code": "too_large",
                        "message": f"The request body is {declared:,} bytes; the limit is "
                        f"{limit:,} bytes.",
                    }
                },
                status=413,
            )
        return self.get_response(request)
