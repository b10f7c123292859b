"""Request and response shapes of the report flow and report intake."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from shieldwall.reports.models import Report


class FlowOptionOut(Schema):
    id: str
    label: str
    next: str | None
    sets: dict[str, str] = Field(
        default={}, description="what choosing it records, e.g. {'category': ...}"
    )


class FlowChoiceOut(Schema):
    id: str
    label: str


class FlowFieldOut(Schema):
    id: str
    label: str
    kind: str
    max_length: int | None
    max_items: int | None
    choices: list[FlowChoiceOut]
    when: dict[str, str]
    help: str


class FlowStepOut(Schema):
    id: str
    kind: str
    prompt: str
    help: str
    options: list[FlowOptionOut]
    fields: list[FlowFieldOut]


class FlowOut(Schema):
    version: str
    subject: str
    has_media: bool
    start: str
    steps: list[FlowStepOut]


class AnswerIn(Schema):
    step: str = Field(max_length=64)
    option: str = Field(max_length=64)


class SubjectIn(Schema):
    type: Literal["post", "account", "hashtag"]
    id: str = Field(min_length=1, max_length=200)
    handle: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=2000)
    has_media: bool = Field(default=False, strict=True)


class ReporterIn(Schema):
    platform_id: str = Field(default="", max_length=200)


class ReportIn(Schema):
    idempotency_key: str = Field(min_length=1, max_length=200)
    subject: SubjectIn
    path: list[AnswerIn] = Field(min_length=1, max_length=30)
    fields: dict[str, Any] = {}
    reporter: ReporterIn = ReporterIn()


class ReportOut(Schema):
    id: str
    status: str
    category: str
    cse_reason: str
    subject_type: str
    subject_id: str
    created_at: datetime
    decided_at: datetime | None


def report_out(r: Report) -> ReportOut:
    """The response form of a report: status for the reporter, never who reported."""
    return ReportOut(
        id=r.public_id,
        status=r.status,
        category=r.category,
        cse_reason=r.cse_reason,
        subject_type=r.subject_type,
        subject_id=r.subject_id,
        created_at=r.created_at,
        decided_at=r.decided_at,
    )
