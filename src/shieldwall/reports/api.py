"""HTTP edge of reports: the flow tree, intake, and status for telling the reporter."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Router, Status

from shieldwall.core.http import ApiRequest, ErrorOut
from shieldwall.reports import services
from shieldwall.reports.schemas import FlowOut, ReportIn, ReportOut, report_out

router = Router(tags=["reports"])


@router.get("/report-flow", response=FlowOut, operation_id="get_report_flow")
def report_flow(
    request: ApiRequest, subject: Literal["post", "account", "hashtag"], has_media: bool = False
) -> dict[str, Any]:
    """The versioned step tree to render for reporting this kind of subject."""
    return services.report_flow(subject=subject, has_media=has_media).as_dict()


@router.post(
    "/reports",
    response={200: ReportOut, 201: ReportOut, 409: ErrorOut},
    operation_id="submit_report",
)
def submit_report(request: ApiRequest, body: ReportIn) -> Status[ReportOut]:
    """Submit a report along a path of the flow; the same idempotency_key returns it again."""
    report, created = services.submit_report(
        report=services.ReportIn(
            idempotency_key=body.idempotency_key,
            subject_type=body.subject.type,
            subject_id=body.subject.id,
            subject_handle=body.subject.handle,
            subject_url=body.subject.url,
            has_media=body.subject.has_media,
            path=[(a.step, a.option) for a in body.path],
            fields=body.fields,
            reporter_id=body.reporter.platform_id,
        ),
        actor=request.auth,
    )
    return Status(201 if created else 200, report_out(report))


@router.get("/reports/{report_id}", response=ReportOut, operation_id="get_report")
def get_report(request: ApiRequest, report_id: str) -> ReportOut:
    """A report's status, so the platform can tell the reporter what was decided."""
    return report_out(services.report_status(public_id=report_id, actor=request.auth))
