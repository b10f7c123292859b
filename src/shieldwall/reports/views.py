"""The public report page: anyone, with or without an account, walks the same flow.

Everything the page gets back from the browser is checked before use: the link (an http(s)
link to the platform's own hosts), the path so far (bounded JSON that must walk the tree,
else the reporter starts again with a message) and every value (no NUL characters, which
no database column can hold). A report made here gets a receipt to look its status up with.
"""

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
from shieldwall.core.actors import Actor, ActorKind
from shieldwall.core.clients import client_address, rate_bucket
from shieldwall.core.errors import ServiceError
from shieldwall.reports import services
from shieldwall.reports.flow import Flow, build_flow
from shieldwall.reports.models import ReportSource
from shieldwall.reports.permissions import SUBMIT_REPORTS

PUBLIC = Actor(kind=ActorKind.PUBLIC, name="report-page", permissions=frozenset({SUBMIT_REPORTS}))
MAX_PATH = 30
MAX_PATH_FIELD = 4000  # characters: a real path of 30 answers is well under 3000
FORGED = "This form was changed or is out of date, so we couldn't continue it. Please start again."
NUL = (
    "What you sent holds an invisible control character (NUL) that can't be stored. "
    "Please type it again without it."
)


def _client_key(request: HttpRequest) -> str:
    return "report-form:" + rate_bucket(client_address(request))


def _rate_limited(request: HttpRequest) -> bool:
    # Counted in the database, so every process and machine shares one exact count.
    limit = settings.SHIELDWALL.report_submits_per_hour
    counted = throttle.hit(
        key=_client_key(request), limit=limit, window=timedelta(hours=1), now=timezone.now()
    )
    return counted.hits > limit


def _path(raw: str) -> list[tuple[str, str]] | None:
    """The answers so far from the form, or None when they are not a path we handed out."""
    if not raw:
        return []
    if len(raw) > MAX_PATH_FIELD:
        return None
    try:
        items = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(items, list) or len(items) > MAX_PATH:
        return None
    path: list[tuple[str, str]] = []
    for item in items:
        if not (
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(x, str) and 0 < len(x) <= 64 for x in item)
        ):
            return None
        path.append((item[0], item[1]))
    return path


def _walks(flow: Flow, path: list[tuple[str, str]]) -> bool:
    """Whether the path follows the tree from its start without reaching the end."""
    step_id = flow.start
    for answered, option_id in path:
        step = flow.steps.get(answered)
        option = step.option(option_id) if step is not None and answered == step_id else None
        if option is None or option.next is None:
            return False
        step_id = option.next
    return True


def _current_step(flow: Flow, path: list[tuple[str, str]]) -> str:
    """The step a path that walks (see `_walks`) leads to."""
    step = flow.start
    for step_id, option_id in path:
        option = flow.steps[step_id].option(option_id)
        step = option.next if option is not None and option.next else flow.start
    return step


def _subject(request: HttpRequest) -> dict[str, Any]:
    data = request.POST
    kind = data.get("subject_type", "post")
    if kind not in ("post", "account", "hashtag"):
        kind = "post"
    return {
        "subject_type": kind,
        "subject_url": data.get("subject_url", "").strip(),
        "has_media": data.get("has_media") == "yes",
    }


def _start(
    request: HttpRequest, error: str = "", *, status: int = 200, link: str = ""
) -> HttpResponse:
    context = {"token": secrets.token_urlsafe(16), "error": error, "link": link}
    return render(request, "reports/start.html", context, status=status)


def _has_nul(request: HttpRequest) -> bool:
    return any("\x00" in value for _, values in request.POST.lists() for value in values)


@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest) -> HttpResponse:
    """Step through the flow; the path so far travels in the form, validated at Submit."""
    if request.method == "GET" or "subject_url" not in request.POST:
        return _start(request)
    if _has_nul(request):
        return _start(request, NUL, status=422)
    subject = _subject(request)
    if not subject["subject_url"]:
        return _start(request, "Paste the link to what you report.", status=422)
    path = _path(request.POST.get("path", ""))
    if not path and not request.POST.get("option"):
        try:  # the first step: read the link once, so the flow fits what it names
            subject["subject_type"] = services.public_link_type(
                url=subject["subject_url"], chosen=subject["subject_type"]
            )
        except ServiceError as exc:
            return _start(request, exc.message, status=422, link=subject["subject_url"])
    flow = build_flow(subject["subject_type"], subject["has_media"])
    if path is None or not _walks(flow, path):
        return _start(request, FORGED, status=400)
    chosen = request.POST.get("option")
    if request.POST.get("back") and path:
        path.pop()
        chosen = None
    step_id = _current_step(flow, path)
    option = flow.steps[step_id].option(chosen) if chosen else None
    if option is not None and option.next is not None:
        path.append((step_id, option.id))
        step_id = option.next
    step = flow.steps[step_id]
    context = {
        "flow": flow,
        "step": step,
        "subject": subject,
        "path": json.dumps(path),
        "token": request.POST.get("token", "")[:200],
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
    context["path"] = json.dumps(path[:-1])  # shown again, the review step is re-rendered
    context["step"] = flow.steps["review"]
    if _rate_limited(request):
        context["error"] = "Too many reports from your network in the last hour. Try later."
        return render(request, "reports/step.html", context, status=429)
    data = request.POST
    report = services.ReportIn(
        idempotency_key=data.get("token", "") or secrets.token_urlsafe(16),
        subject_type=subject["subject_type"],
        subject_id="",
        subject_url=subject["subject_url"],
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
        return render(request, "reports/step.html", context, status=422)
    receipt = services.public_receipt(
        submitted_by=stored.submitted_by, idempotency_key=stored.idempotency_key
    )
    return render(
        request,
        "reports/done.html",
        {"report": stored, "receipt": receipt, "anonymous": stored.anonymous},
    )


STATUS_WORDS = {
    "received": "Received: it is waiting for review.",
    "in_review": "In review: a moderator is looking at it.",
    "actioned": "Decided: we took action.",
    "no_violation": "Decided: we found no violation of the rules.",
}


@require_http_methods(["GET", "POST"])
def report_status(request: HttpRequest) -> HttpResponse:
    """Look a public report up by its receipt; the page shows its status and nothing else."""
    if request.method == "GET":
        return render(request, "reports/status.html", {})
    if _has_nul(request):
        return render(request, "reports/status.html", {"error": NUL}, status=422)
    found = services.look_up_receipt(receipt=request.POST.get("receipt", ""), actor=PUBLIC)
    if found is None:
        error = "No report has this receipt. Check that you typed all 24 characters."
        return render(request, "reports/status.html", {"error": error}, status=404)
    if found.resolution == "dismissed":
        words = "Closed: we couldn't find what the link you gave points to."
    else:
        words = STATUS_WORDS.get(found.status, STATUS_WORDS["received"])
    return render(request, "reports/status.html", {"status": words})
