"""Request guards that act before Django reads a body, and the API's error shape at the edge."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

# Room for multipart framing and the small form fields beside the media.
_MULTIPART_OVERHEAD = 1024 * 1024
# A chunked body is kept in memory up to this size, then in an unlinked temporary file.
_SPOOL_IN_MEMORY = 1024 * 1024
_READ_SIZE = 64 * 1024
_API_PREFIX = "/api/"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def body_limit() -> int:
    """The most bytes a request body may have: the upload limit and room for its framing."""
    return int(settings.SHIELDWALL.max_upload_bytes) + _MULTIPART_OVERHEAD


def _error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return {"error": error}


def _too_large(size: int, limit: int) -> dict[str, Any]:
    return _error_body(
        "too_large", f"The request body is {size:,} bytes; the limit is {limit:,} bytes."
    )


class BodySizeLimit:
    """Refuse a request whose declared body exceeds the upload limit, before reading it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return JsonResponse(_too_large(declared, limit), status=413)
        return self.get_response(request)


class ApiErrorShape:
    """Under /api/: NUL characters in path parameters are refused, and every error that is not
    JSON already (a 405 from the router, Django's own 400 and 500 pages) gets the API's shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not request.path.startswith(_API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return self._as_json(response)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if not request.path.startswith(_API_PREFIX):
            return None
        for name, value in view_kwargs.items():
            if isinstance(value, str) and "\x00" in value:
                return JsonResponse(
                    _error_body(
                        "nul_character",
                        f"{name}: must not contain the NUL character (U+0000)",
                        name,
                    ),
                    status=422,
                )
        return None

    @staticmethod
    def _as_json(response: HttpResponseBase) -> JsonResponse:
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        code = phrase.lower().replace(" ", "_").replace("-", "_")
        message = f"{phrase}."
        if status >= 500:
            code, message = "internal_error", "Shieldwall failed on this request (it is logged)."
        elif status == 405:
            message = f"This path allows only {response.get('Allow', 'other methods')}."
        replaced = JsonResponse(_error_body(code, message), status=status)
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                replaced[header] = response[header]
        response.close()
        return replaced


class ChunkedBodies:
    """WSGI: read a `Transfer-Encoding: chunked` API body (up to the body limit) so Django
    sees it.

    Django reads CONTENT_LENGTH bytes and nothing else, so behind gunicorn a chunked request
    reached every view as an empty body. An API request with a valid platform key has its
    body read here into a spooled, unlinked temporary file (nothing outlives a killed
    process) and given a length. Without a valid key nothing is read (a stranger cannot
    make the service store 200 MB) and the API answers 401 as for any other request.
    """

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked or environ.get("CONTENT_LENGTH") or not _from_a_platform(environ):
            return self.app(environ, start_response)
        limit = body_limit()
        body = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
        size = 0
        stream = environ["wsgi.input"]
        while chunk := stream.read(_READ_SIZE):
            size += len(chunk)
            if size > limit:
                body.close()
                return _json_wsgi(start_response, 413, _too_large(size, limit))
            body.write(chunk)
        body.seek(0)
        environ["wsgi.input"] = body
        environ["CONTENT_LENGTH"] = str(size)
        return _ClosingBody(self.app(environ, start_response), body)


def _from_a_platform(environ: dict[str, Any]) -> bool:
    # Imported here: wsgi.py imports this module before Django has loaded its apps.
    from shieldwall.core.apikeys import authenticate

    if not environ.get("PATH_INFO", "").startswith(_API_PREFIX):
        return False
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and authenticate(token.strip()) is not None


class _ClosingBody:
    """The app's response, which also closes the read body when the server closes it."""

    def __init__(self, response: Iterable[bytes], body: Any) -> None:
        self.response = response
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.response)

    def close(self) -> None:
        try:
            close = getattr(self.response, "close", None)
            if close is not None:
                close()
        finally:
            self.body.close()


def _json_wsgi(
    start_response: Callable[..., Any], status: int, body: dict[str, Any]
) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Connection", "close"),
        ],
    )
    return [data]
