"""HTTP edge of platform events: POST /events (one event or a batch of up to 1000)."""

from __future__ import annotations

from typing import Any

from ninja import Router

from shieldwall.core.actors import require
from shieldwall.core.bodies import parse_json
from shieldwall.core.http import ApiRequest
from shieldwall.subjects import services
from shieldwall.subjects.permissions import SEND_EVENTS
from shieldwall.subjects.schemas import (
    EventResultOut,
    IngestOut,
    parse_body,
    request_body_schema,
)

router = Router(tags=["events"])


def _json_body(request: ApiRequest) -> Any:
    # The body is read here rather than by a ninja schema so that an error's `field` is the
    # path the platform sent (see subjects.schemas); the OpenAPI document still shows it. The
    # API's one JSON reader keeps its limits (and Django's size limit raises RequestDataTooBig,
    # which the API answers with a JSON 413).
    return parse_json(request.body)


@router.post(
    "",
    response=IngestOut,
    operation_id="send_events",
    summary="Send platform events",
    openapi_extra={"requestBody": request_body_schema()},
)
def send_events(request: ApiRequest) -> IngestOut:
    """Tell Shieldwall about accounts, posts, media and reach: one event or
    `{"events": [...]}` (1 to 1000). Idempotent by event id; safe out of order."""
    require(request.auth, SEND_EVENTS)  # refuse a key without the right before reading the body
    result = services.ingest_events(events=parse_body(_json_body(request)), actor=request.auth)
    return IngestOut(
        accepted=result.accepted,
        duplicates=result.duplicates,
        results=[EventResultOut(id=r.id, status=r.status) for r in result.results],  # type: ignore[arg-type]
    )
