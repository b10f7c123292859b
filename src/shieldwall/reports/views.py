"""The public report page: anyone, with or without an account, walks the same flow."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shieldwall.core import throttle
from shieldwall.core.actors import Actor
from shieldwall.core.clients import client_address, rate_bucket
from shieldwall.core.errors import ServiceError
from shieldwall.core.roles import SUBMIT_REPORTS
from shieldwall.reports import services
from shieldwall.reports.flow import Flow, build_flow
from shieldwall.reports.models import ReportSource

PUBLIC = Actor(kind="public", name="report-page", permissions=frozenset({SUBMIT_REPORTS}))


def _client_key(request: HttpRequest) -> str:
    return "report-form:" + rate_bucket(client_address(request))


def _rate_limited(request: HttpRequest) -> bool:
    # Counted in the database, so every process and machine shares one exact count.
    limit = settings.SHIELDWALL.report_submits_per_hour
    counted = throttle.hit(
        key=_client_key(request), limit=limit, window=timedelta(hours=1), now=timezone.now()
    )
    return counted.hits > limit


def _path(raw: str) -> list[tuple[str, str]]:
    try:
        items = json.loads(raw or "[]")
        return [(str(s), str(o)) for s, o in items][:30]
    except (ValueError, TypeError):
        return []


def _subject(request: HttpRequest) -> dict[str, Any]:
    data = request.POST
    kind = data.get("subject_type", "post")
    if kind not in ("post", "account", "hashtag"):
        kind = "post"
    return {
        "subject_type": kind,
        "subject_url": data.get("subject_url", "").strip()[:2000],
        "has_media": data.get("has_media") == "yes",
    }


def _current_step(flow: Flow, path: list[tuple[str, str]]) -> str:
    step = flow.start
    for step_id, option_id in path:
        option = flow.steps[step_id].option(option_id) if step_id == step else None
        if option is None or option.next is None:
            return flow.start
        step = option.next
    return step


@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest) -> HttpResponse:
    """Step through the flow; the path so far travels in the form, validated at Submit."""
    if request.method == "GET" or "subject_url" not in request.POST:
        return render(request, "reports/start.html", {"token": secrets.token_urlsafe(16)})
    subject = _subject(request)
    if not subject["subject_url"]:
        return render(
            request,
            "reports/start.html",
            {"token": secrets.token_urlsafe(16), "error": "Paste the link to what you report."},
            status=422,
        )
    flow = build_flow(subject["subject_type"], subject["has_media"])
    path = _path(request.POST.get("path", ""))
    chosen = request.POST.get("option")
    if request.POST.get("back") and path:
        path.pop()
        chosen = None
    step_id = _current_step(flow, path)
    if chosen and flow.steps[step_id].option(chosen) is not None:
        path.append((step_id, chosen))
        step_id = _current_step(flow, path)
    step = flow.steps[step_id]
    context = {
        "flow": flow,
        "step": step,
        "subject": subject,
        "path": json.dumps(path),
        "token": request.POST.get("token", ""),
        "recorded": _recorded(flow, path),
    }
    if step.id == "done":
        return _submit(request, flow, path, subject, context)
    return render(request, "reports/step.html", context)


def _recorded(flow: Flow, path: list[tuple[str, str]]) -> dict[str, str]:
    recorded: dict[str, str] = {}
    for step_id, option_id in path:
        option = flow.steps[step_id].option(option_id)
        if option is not None:
            recorded.update(option.sets)
    return recorded


def _submit(
    request: HttpRequest,
    flow: Flow,
    path: list[tuple[str, str]],
    subject: dict[str, Any],
    context: dict[str, Any],
) -> HttpResponse:
    if _rate_limited(request):
        context["error"] = "Too many reports from your network in the last hour. Try later."
        context["step"] = flow.steps["review"]
        return render(request, "reports/step.html", context, status=429)
    data = request.POST
    report = services.ReportIn(
        idempotency_key=data.get("token", "") or secrets.token_urlsafe(16),
        subject_type=subject["subject_type"],
        subject_id=subject["subject_url"],
        subject_url=subject["subject_url"] if subject["subject_url"].startswith("http") else "",
        has_media=subject["has_media"],
        path=path,
        fields={"cse_reason": data.get("cse_reason", ""), "context": data.get("context", "")},
        reporter_name=data.get("reporter_name", "").strip()[:200],
        reporter_email=data.get("reporter_email", "").strip()[:254],
        source=ReportSource.PUBLIC_FORM,
    )
    try:
        stored, _ = services.submit_report(report=report, actor=PUBLIC)
    except ServiceError as exc:
        context["error"] = exc.message
        context["step"] = flow.steps["review"]
        context["path"] = json.dumps(path[:-1])
        return render(request, "reports/step.html", context, status=422)
    return render(request, "reports/done.html", {"report": stored, "step": flow.steps["done"]})
