"""What the API accepts in a request: bounded JSON, and text without NUL characters.

Every JSON body, form field and query parameter of /api/v1 goes through here (ninja's parser
for the routers, `parse_json` for the one router that reads its own body), so the limits hold
on every route at once. PostgreSQL cannot store U+0000 in text, and a document nested without
bound costs the parser its stack; both are refused with an error that names the field.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from shieldwall.core.errors import Invalid, ServiceError, TooLarge

# Deeper than any request of the API needs (an event batch is five levels).
MAX_JSON_DEPTH = 32

# The exceptions Django raises while reading a request it will not or cannot read.
REQUEST_DATA_ERRORS: tuple[type[Exception], ...] = (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    MultiPartParserError,
    UnreadablePostError,
)


class Malformed(ServiceError):
    """The request cannot be read as what it claims to be."""

    status = 400


def _field(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p).replace("\x00", "\\u0000") for p in path)


def _nul(path: tuple[str | int, ...]) -> Invalid:
    field = _field(path) or None
    return Invalid(
        "nul_character",
        f"{field or 'body'}: must not contain the NUL character (U+0000)",
        field=field,
    )


def _too_deep(path: tuple[str | int, ...]) -> Invalid:
    field = _field(path) or None
    return Invalid(
        "too_deep",
        f"{field or 'body'}: the JSON document is nested more than {MAX_JSON_DEPTH} levels deep",
        field=field,
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:30]} is out of range")
    return value


def parse_json(raw: bytes) -> Any:
    """A request body as JSON: Malformed if it is not JSON, Invalid naming the field if refused."""
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise _too_deep(()) from None
    except ValueError as exc:  # also UnicodeDecodeError and integers of over 4300 digits
        raise Malformed(
            "malformed_request", f"The request body is not valid JSON: {str(exc)[:200]}"
        ) from None
    if _may_hold_nul(raw) or _deeper_than(raw, MAX_JSON_DEPTH):
        check_json(value)  # finds the field to name
    return value


_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
# Depth does not depend on the kind of container (the JSON parsed, so brackets match).
_OBJECTS_AS_LISTS = bytes.maketrans(b"{}", b"[]")


def _may_hold_nul(raw: bytes) -> bool:
    # In UTF-8 JSON (no NUL byte at all), a NUL character can only be written as \u0000.
    return b"\x00" in raw or b"\\u0000" in raw


def _brackets(raw: bytes) -> bytes:
    """The brackets of valid UTF-8 JSON outside its strings, all as `[` and `]`."""
    # Outside strings JSON has no backslash, and inside one each backslash escapes the next
    # character: drop escaped backslashes, then escaped quotes, and the quotes left pair up.
    bare = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    return b"".join(bare.split(b'"')[::2]).translate(_OBJECTS_AS_LISTS)


def _deeper_than(raw: bytes, depth: int) -> bool:
    """Whether JSON that parsed nests more than `depth` levels (cheap for a body of a million
    small lists, which a walk over the parsed values is not)."""
    if b"\x00" in raw:  # UTF-16 or UTF-32: let check_json walk it
        return True
    brackets = _brackets(raw)
    for _ in range(depth):  # each pass takes away the innermost level, and only that
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)


def check_json(value: Any) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and NUL characters in any key or string."""
    if isinstance(value, str) and "\x00" in value:
        raise _nul(())
    if not isinstance(value, dict | list):
        return
    # Without recursion, and touching each scalar once: only containers carry their path.
    stack: list[tuple[tuple[str | int, ...], dict[str, Any] | list[Any]]] = [((), value)]
    while stack:
        path, node = stack.pop()
        nested = []
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(key, str) and "\x00" in key:
                raise _nul((*path, key))
            if isinstance(child, str):
                if "\x00" in child:
                    raise _nul((*path, key))
            elif isinstance(child, dict | list):
                if len(path) + 1 >= MAX_JSON_DEPTH:
                    raise _too_deep((*path, key))
                if child:  # an empty one holds nothing to check
                    nested.append(((*path, key), child))
        stack.extend(reversed(nested))


def check_params(data: MultiValueDict[str, Any]) -> None:
    """Refuse a NUL character in any query parameter or form field, naming it."""
    for key, values in data.lists():
        if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
            raise _nul((key,))


def request_data_error(exc: Exception) -> ServiceError:
    """The API error for a request that Django refused to read (see REQUEST_DATA_ERRORS)."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return TooLarge(
            "too_large",
            f"The request body is too large: JSON and form fields are at most {limit:,} bytes "
            "(send fewer items per request).",
        )
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return TooLarge("too_many_fields", f"A request holds at most {limit:,} fields.")
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return TooLarge("too_many_files", f"A request holds at most {limit:,} files.")
    if isinstance(exc, MultiPartParserError):
        return Malformed(
            "malformed_multipart", f"The multipart body cannot be read: {str(exc)[:200]}"
        )
    return Malformed("unreadable_body", "The request body could not be read to its end.")


class ApiParser(Parser):
    """ninja's parser for /api/v1: bounded JSON, and no NUL in parameters or fields."""

    def parse_body(self, request: HttpRequest) -> Any:
        body = parse_json(request.body)
        # Every JSON body of the API is an object; ninja's schemas read attributes, so a list
        # or a string would otherwise pass as an object with every optional field left out.
        if not isinstance(body, dict):
            raise Invalid("invalid_request", "body: must be a JSON object")
        return body

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        check_params(data)
        return super().parse_querydict(data, list_fields, request)
