"""The /api/v1 surface: bearer-key auth, JSON errors, and the feature routers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer

from shieldwall.core.actors import Actor
from shieldwall.core.apikeys import authenticate
from shieldwall.core.bodies import REQUEST_DATA_ERRORS, ApiParser, request_data_error
from shieldwall.core.errors import ServiceError
from shieldwall.core.http import ErrorOut


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer KEY` with a platform API key."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return authenticate(token)


# The errors any operation can answer with, besides the ones it declares (409, say).
_ERRORS = {
    400: "The body is not valid JSON or multipart.",
    401: "No valid API key was sent.",
    403: "The key does not carry the right for this.",
    413: "The body, a file in it, or its number of fields is over the limit.",
    422: "A value is refused; `field` names it.",
}


class ShieldwallApi(NinjaAPI):
    """The ninja API, with the error responses every operation can give in its document."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error.pop("$defs", {}))
        components["ErrorOut"] = error
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                errors = dict(_ERRORS)
                if any(p.get("in") == "path" for p in operation.get("parameters", ())):
                    errors[404] = "No such thing (see `code`)."
                for status, description in errors.items():
                    operation["responses"].setdefault(
                        status, {"description": description, "content": content}
                    )
        return schema


api = ShieldwallApi(
    title="Shieldwall API",
    version="1.0.0",
    description=(
        "Known-media matching, hash banks, events, reports and actions for "
        "platforms. Authenticate with `Authorization: Bearer KEY` "
        "(create a key with `shieldwall apikey create NAME [--scope SCOPE ...]`; a key does "
        "only what its scopes allow: scan, lookup, events, reports, actions, banks, platform)."
    ),
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
    parser=ApiParser(),
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
    if isinstance(exc.__cause__, ServiceError):  # ninja wraps what the body parser raised
        return _service_error(request, exc.__cause__)
    code = "malformed_request" if exc.status_code == 400 else "http_error"
    return error_response(request, exc.status_code, code, str(exc))


def _request_data_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _service_error(request, request_data_error(exc))


for _exc_type in REQUEST_DATA_ERRORS:  # Django refused to read the body: too big, malformed
    api.exception_handler(_exc_type)(_request_data_error)


def _register_routers() -> None:
    from shieldwall.banks.api import router as banks_router
    from shieldwall.integrations.api import router as actions_router
    from shieldwall.matching.api import router as matching_router
    from shieldwall.reports.api import router as reports_router
    from shieldwall.subjects.api import router as events_router
    from shieldwall.subjects.platform_api import router as platform_router
    from shieldwall.terms.api import router as terms_router

    api.add_router("/", matching_router)
    api.add_router("/banks", banks_router)
    api.add_router("/events", events_router)
    api.add_router("/platform", platform_router)
    api.add_router("/actions", actions_router)
    api.add_router("/", reports_router)
    api.add_router("/", terms_router)


_register_routers()
