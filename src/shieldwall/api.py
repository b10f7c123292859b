"""The /api/v1 surface: bearer-key auth, JSON errors, and the feature routers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from shieldwall.core.actors import Actor
from shieldwall.core.apikeys import authenticate
from shieldwall.core.errors import ServiceError


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer KEY` with a platform API key."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return authenticate(token)


api = NinjaAPI(
    title="Shieldwall API",
    version="1.0.0",
    description=(
        "Known-media matching, hash banks, events, reports and actions for "
        "platforms. Authenticate with `Authorization: Bearer KEY` "
        "(create a key with `shieldwall apikey create NAME [--scope SCOPE ...]`; a key does "
        "only what its scopes allow: scan, lookup, events, reports, actions, banks)."
    ),
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None
) -> HttpResponse:
    """The one error shape: {"error": {"code", "message", "field"}}."""
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.field)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request,
        401,
        "unauthorized",
        "A valid API key is required: send `Authorization: Bearer KEY`.",
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [
        str(p)
        for p in first.get("loc", ())
        if p not in ("body", "query", "path", "form", "file", "payload")
    ]
    field = ".".join(loc) or None
    message = first.get("msg", "The request is not valid.")
    if field:
        message = f"{field}: {message}"
    return error_response(request, 422, "invalid_request", message, field)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = "malformed_request" if exc.status_code == 400 else "http_error"
    return error_response(request, exc.status_code, code, str(exc))


def _register_routers() -> None:
    from shieldwall.banks.api import router as banks_router
    from shieldwall.integrations.api import router as actions_router
    from shieldwall.matching.api import router as matching_router
    from shieldwall.reports.api import router as reports_router
    from shieldwall.subjects.api import router as events_router
    from shieldwall.subjects.platform_api import router as platform_router

    api.add_router("/", matching_router)
    api.add_router("/banks", banks_router)
    api.add_router("/events", events_router)
    api.add_router("/platform", platform_router)
    api.add_router("/actions", actions_router)
    api.add_router("/", reports_router)


_register_routers()
