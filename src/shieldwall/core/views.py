"""Core's one page: /metrics, for the operators' Prometheus."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from shieldwall.core.clients import address_in, client_address
from shieldwall.core.metrics import CONTENT_TYPE, exposition

_METHODS = ("GET", "HEAD")


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@csrf_exempt  # reads nothing and changes nothing; a POST gets the 405 below, not a CSRF page
def metrics_page(request: HttpRequest) -> HttpResponse:
    """Prometheus's text format, to the addresses in SHIELDWALL_METRICS_ALLOW only.

    Open cases and backlogs say how busy the desk is, so a stranger gets a refusal and
    never the figures. No session, user or audit event is touched: a scrape every few
    seconds must leave no trace and need no sign-in.
    """
    if request.method not in _METHODS:
        refused = _error(405, "method_not_allowed", "This path allows only GET.")
        refused["Allow"] = ", ".join(_METHODS)
        return refused
    if not address_in(client_address(request), settings.SHIELDWALL.metrics_allow):
        return _error(
            403,
            "forbidden",
            "Metrics are served only to the addresses in SHIELDWALL_METRICS_ALLOW.",
        )
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
