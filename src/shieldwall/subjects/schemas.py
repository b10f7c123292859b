"""Platform events: their shapes, validated with errors that name the exact field, and the answer.

An event is checked in two steps so that an error's `field` is the path the platform sent
(`events.3.data.post_id`): first its `type` against the known types, then the whole event
against that type's model. (A pydantic union on `type` would put the tag into the path.)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from shieldwall.core.errors import Invalid
from shieldwall.subjects.hashtags import HashtagError, normalise_hashtag

MAX_BATCH = 1000
MAX_TEXT = 10_000
MAX_HASHTAGS = 100
MAX_MEDIA_IDS = 50
# How far ahead of our clock an event may claim to have happened: a later time would make the
# subject ignore every genuine event until then.
MAX_CLOCK_SKEW = timedelta(days=1)
MAX_COUNT = 2**63 - 1

ACCOUNT_TYPES = ("account.created", "account.updated")
POST_TYPES = ("post.created", "post.updated")
EVENT_TYPES = (*ACCOUNT_TYPES, *POST_TYPES, "post.deleted", "media.attached", "post.metrics")


def _parse_time(value: Any) -> datetime:
    """An ISO 8601 time with a timezone, as an aware UTC datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 64:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "iso_time", "is not an ISO 8601 time such as 2026-11-26T12:00:00Z"
            ) from None
    else:
        raise PydanticCustomError(
            "iso_time", "must be a string holding an ISO 8601 time such as 2026-11-26T12:00:00Z"
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PydanticCustomError(
            "iso_time_naive", "must say its timezone: end it with Z (UTC) or an offset like +00:00"
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+23:59 is before the first representable time
        raise PydanticCustomError(
            "iso_time_range", "is out of range: in UTC it falls outside the years 1 to 9999"
        ) from None


Time = Annotated[datetime, BeforeValidator(_parse_time)]
PlatformId = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strict=True, max_length=200)]
Url = Annotated[str, StringConstraints(strict=True, max_length=2000)]
# Shown to moderators (after they choose to reveal): web addresses only.
MediaUrl = Annotated[str, StringConstraints(strict=True, max_length=2000, pattern=r"^https?://")]
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]


def _hashtag(raw: str) -> str:
    try:
        return normalise_hashtag(raw)
    except HashtagError as exc:
        raise PydanticCustomError("hashtag", str(exc)) from None


Hashtag = Annotated[str, StringConstraints(strict=True, max_length=200), AfterValidator(_hashtag)]


class _In(BaseModel):
    """Strict about types (no "5" for 5), lenient about extra keys (platforms add fields)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class AccountData(_In):
    account_id: PlatformId
    handle: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
    display_name: ShortText = ""
    bio: Annotated[str, StringConstraints(strict=True, max_length=MAX_TEXT)] = ""
    created_at: Time | None = None
    url: Url | None = None


class PostData(_In):
    post_id: PlatformId
    account_id: PlatformId
    text: Annotated[str, StringConstraints(strict=True, max_length=MAX_TEXT)] = ""
    hashtags: Annotated[
        list[Hashtag],
        Field(max_length=MAX_HASHTAGS, description="Without `#`; normalised by Shieldwall."),
    ] = []
    media_ids: Annotated[list[PlatformId], Field(max_length=MAX_MEDIA_IDS)] = []
    reply_to: ShortText | None = None
    quote_of: ShortText | None = None
    reshare_of: ShortText | None = None
    created_at: Time | None = None
    url: Url | None = None

    @field_validator("hashtags")
    @classmethod
    def _distinct(cls, names: list[str]) -> list[str]:
        return list(dict.fromkeys(names))


class PostDeletedData(_In):
    post_id: PlatformId


class MediaAttachedData(_In):
    media_id: PlatformId
    post_id: PlatformId
    media_type: Literal["image", "video"] | None = None
    url: MediaUrl | None = None


class PostMetricsData(_In):
    post_id: PlatformId
    views: Count
    reshares: Count
    likes: Count | None = None


class _EventIn(_In):
    id: PlatformId
    occurred_at: Time


class AccountEventIn(_EventIn):
    type: Literal["account.created", "account.updated"]
    data: AccountData


class PostEventIn(_EventIn):
    type: Literal["post.created", "post.updated"]
    data: PostData


class PostDeletedEventIn(_EventIn):
    type: Literal["post.deleted"]
    data: PostDeletedData


class MediaAttachedEventIn(_EventIn):
    type: Literal["media.attached"]
    data: MediaAttachedData


class PostMetricsEventIn(_EventIn):
    type: Literal["post.metrics"]
    data: PostMetricsData


Event = (
    AccountEventIn | PostEventIn | PostDeletedEventIn | MediaAttachedEventIn | PostMetricsEventIn
)

_MODELS: dict[str, type[_EventIn]] = {
    **dict.fromkeys(ACCOUNT_TYPES, AccountEventIn),
    **dict.fromkeys(POST_TYPES, PostEventIn),
    "post.deleted": PostDeletedEventIn,
    "media.attached": MediaAttachedEventIn,
    "post.metrics": PostMetricsEventIn,
}


def _join(*parts: object) -> str:
    return ".".join(str(p) for p in parts if p != "")


def _first_error(exc: ValidationError, prefix: str) -> Invalid:
    error = exc.errors(include_url=False)[0]
    field = _join(prefix, *error["loc"])
    message = error["msg"].replace(" after validation", "")
    message = message[:1].lower() + message[1:]
    if error["type"] == "missing":
        message = "is required"
    elif error["type"] == "model_type":
        message = "must be an object"
    return Invalid("invalid_request", f"{field or 'body'}: {message}", field=field or None)


def parse_event(raw: Any, *, field: str = "") -> Event:
    """One event from its JSON form; Invalid names the failing field under `field`."""
    if not isinstance(raw, Mapping):
        raise Invalid("invalid_request", f"{field or 'body'}: must be an event object", field=field)
    kind = raw.get("type")
    if kind is None:
        path = _join(field, "type")
        raise Invalid("invalid_request", f"{path}: is required", field=path)
    if not isinstance(kind, str) or kind not in _MODELS:
        path = _join(field, "type")
        given = f"unknown event type {kind[:50]!r}" if isinstance(kind, str) else "not a string"
        raise Invalid(
            "invalid_request",
            f"{path}: {given}; expected one of " + ", ".join(EVENT_TYPES),
            field=path,
        )
    try:
        event = _MODELS[kind].model_validate(raw)
    except ValidationError as exc:
        raise _first_error(exc, field) from None
    if event.occurred_at > datetime.now(UTC) + MAX_CLOCK_SKEW:
        path = _join(field, "occurred_at")
        raise Invalid(
            "invalid_request",
            f"{path}: is more than a day ahead of Shieldwall's clock (check the platform's clock)",
            field=path,
        )
    return event  # type: ignore[return-value]


def parse_events(raw: Any, *, field: str = "events") -> list[Event]:
    """A batch of 1 to 1000 events; parsed events pass through, JSON ones are validated."""
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise Invalid("invalid_request", f"{field}: must be a list of events", field=field)
    if not raw:
        raise Invalid(
            "invalid_request",
            f"{field}: a batch holds 1 to {MAX_BATCH} events, not none",
            field=field,
        )
    if len(raw) > MAX_BATCH:
        raise Invalid(
            "invalid_request",
            f"{field}: a batch holds at most {MAX_BATCH} events; this one has {len(raw)} "
            "(send it in several batches)",
            field=field,
        )
    return [
        e if isinstance(e, _EventIn) else parse_event(e, field=_join(field, n))  # type: ignore[misc]
        for n, e in enumerate(raw)
    ]


def parse_body(body: Any) -> list[Event]:
    """The request body: one event, or `{"events": [...]}`."""
    if isinstance(body, Mapping) and "events" in body and "type" not in body:
        return parse_events(body["events"])
    return [parse_event(body)]


EventDoc = Annotated[Event, Field(discriminator="type")]


class EventBatchIn(_In):
    events: Annotated[list[EventDoc], Field(min_length=1, max_length=MAX_BATCH)]


class EventResultOut(Schema):
    id: str
    status: Literal["accepted", "duplicate"]


class IngestOut(Schema):
    accepted: int
    duplicates: int
    results: list[EventResultOut]


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema with its `$defs` inlined (none is recursive), to embed in OpenAPI."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(copy.deepcopy(defs[ref.removeprefix("#/$defs/")]))
            # A discriminator's mapping names $defs that are inlined now; each branch's `type`
            # enum says the same.
            return {k: walk(v) for k, v in node.items() if k != "discriminator"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def request_body_schema() -> dict[str, Any]:
    """The OpenAPI requestBody of POST /events: one event or a batch."""
    adapter: TypeAdapter[Any] = TypeAdapter(EventDoc | EventBatchIn)
    schema = _inline_refs(adapter.json_schema())
    schema.pop("title", None)
    return {"required": True, "content": {"application/json": {"schema": schema}}}
