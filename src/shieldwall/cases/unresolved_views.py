"""Desk pages for unresolved links: the list, and triage's resolve and dismiss (thin)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from shieldwall.cases import unresolved
from shieldwall.cases.views import _actor, desk_view
from shieldwall.core.errors import ServiceError
from shieldwall.subjects.kinds import REPORTABLE_CHOICES


def _page(
    request: HttpRequest, *, message: str = "", error: str = "", failed: str = "", status: int = 200
) -> HttpResponse:
    page = unresolved.unresolved_page(actor=_actor(request))
    context = {
        "page": page,
        "message": message,
        "error": error,
        "failed": failed,
        "subject_types": REPORTABLE_CHOICES,
    }
    return render(request, "cases/unresolved.html", context, status=status)


@require_GET
@desk_view
def unresolved_links(request: HttpRequest) -> HttpResponse:
    """Public reports whose link names no subject yet, most urgent first."""
    return _page(request)


@require_POST
@desk_view
def resolve(request: HttpRequest, report_id: str) -> HttpResponse:
    """File a waiting report against the subject triage names."""
    try:
        case = unresolved.resolve_report(
            report_id=report_id,
            subject_type=request.POST.get("subject_type", ""),
            subject=request.POST.get("subject", "")[:300],
            actor=_actor(request),
        )
    except ServiceError as exc:
        return _page(request, error=exc.message, failed=report_id, status=exc.status)
    return redirect("desk:case", public_id=case.public_id)


@require_POST
@desk_view
def dismiss(request: HttpRequest, report_id: str) -> HttpResponse:
    """Close a waiting report that names nothing on the platform."""
    try:
        report = unresolved.dismiss_report(
            report_id=report_id, note=request.POST.get("note", "")[:2000], actor=_actor(request)
        )
    except ServiceError as exc:
        return _page(request, error=exc.message, failed=report_id, status=exc.status)
    messages.success(request, f"Report {report.public_id} dismissed.")
    return redirect("desk:unresolved")
