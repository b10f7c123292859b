"""The report flow, server-rendered one step per page, and "Your reports". Thin: see services.

The path answered so far travels in the form (with the idempotency key and the tree's
version), so the flow works without JavaScript and the browser's own Back button; every
request walks the path through the tree again, and Shieldwall checks it once more at Submit.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from microblog.accounts.models import Profile
from microblog.accounts.services import relation
from microblog.posts import hashtags
from microblog.posts.context import viewer_profile
from microblog.posts.models import Hashtag, Post
from microblog.reporting import flows, services
from microblog.reporting.models import FiledReport
from microblog.reporting.services import ReviewInput, Subject
from shieldwall_client import (
    FlowStep,
    InvalidPath,
    ReportFlow,
    ShieldwallError,
    ShieldwallUnavailable,
)

KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_PATH = 30
UNAVAILABLE = "Reporting isn't available right now. Please try again in a few minutes."
NOT_SENT = (
    "We couldn't send your report right now. Nothing was lost: "
    "please press Submit again in a minute."
)
BROKEN = "Something went wrong with this report form, so we couldn't continue it."
CHANGED = "The report form was updated while you were filling it in."


@dataclass(frozen=True)
class FormState:
    """What each step's form carries: the form's key, the tree's version, the path so far."""

    key: str
    version: str
    path: list[tuple[str, str]]

    @property
    def path_json(self) -> str:
        return json.dumps([list(a) for a in self.path])


def _read_state(data: Any) -> FormState | None:
    """The state from a submitted form, or None when it was tampered with."""
    key, version = data.get("key", ""), data.get("version", "")
    if not KEY.match(key) or len(version) > 64:
        return None
    try:
        raw = json.loads(data.get("path", ""))
    except ValueError:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_PATH:
        return None
    path: list[tuple[str, str]] = []
    for answer in raw:
        if not (
            isinstance(answer, list)
            and len(answer) == 2
            and all(isinstance(x, str) and 0 < len(x) <= 64 for x in answer)
        ):
            return None
        path.append((answer[0], answer[1]))
    return FormState(key, version, path)


@login_required
@require_http_methods(["GET", "POST"])
def report_post(request: HttpRequest, public_id: str) -> HttpResponse:
    """`⋯` → "Report post"."""
    post = get_object_or_404(Post.objects.visible().select_related("author"), public_id=public_id)
    return _flow_page(request, services.post_subject(post))


@login_required
@require_http_methods(["GET", "POST"])
def report_account(request: HttpRequest, handle: str) -> HttpResponse:
    """A profile's "Report account"."""
    profile = get_object_or_404(Profile, handle=handle.lower(), suspended_at__isnull=True)
    return _flow_page(request, services.account_subject(profile))


@login_required
@require_http_methods(["GET", "POST"])
def report_hashtag(request: HttpRequest, name: str) -> HttpResponse:
    """A hashtag page's "Report hashtag" (a suppressed tag may be reported too)."""
    if not hashtags.is_tag_name(name):
        raise Http404
    tag = get_object_or_404(Hashtag, name=hashtags.normalise(name))
    return _flow_page(request, services.hashtag_subject(tag.name))


def _flow_page(request: HttpRequest, subject: Subject) -> HttpResponse:
    reporter = viewer_profile(request)
    if reporter is None:  # a staff login without a profile
        raise Http404
    try:
        flow = flows.report_flow(subject.type, subject.has_media)
    except flows.FlowUnavailable:
        return _problem(request, subject, UNAVAILABLE, status=503, restart=False)
    if request.method == "GET":
        fresh = FormState(secrets.token_urlsafe(18), flow.version, [])
        return _render_step(request, flow, subject, fresh)
    submitted = _read_state(request.POST)
    if submitted is None:
        return _problem(request, subject, BROKEN)
    state = submitted
    if "back" in request.POST:
        path = state.path[:-1]
    else:
        answer = (request.POST.get("step", ""), request.POST.get("option", ""))
        path = [*state.path, answer]
    try:
        position = flow.walk(path)
    except InvalidPath:
        return _problem(request, subject, CHANGED if state.version != flow.version else BROKEN)
    state = FormState(state.key, flow.version, path)
    if position.step.kind != "done":
        return _render_step(request, flow, subject, state)
    # The last answer submitted the step before "done": read its fields, then send.
    step = position.answers[-1][0]
    before = FormState(state.key, state.version, path[:-1])
    review = services.read_review(
        step, position.recorded, request.POST, services.candidate_posts(subject)
    )
    if review.errors:
        return _render_step(request, flow, subject, before, review=review, status=422)
    try:
        filed = services.submit(
            reporter=reporter,
            subject=subject,
            form_key=state.key,
            path=path,
            fields=review.fields,
            reason=services.reason_label(position.answers),
        )
    except ShieldwallUnavailable:
        return _render_step(
            request, flow, subject, before, review=review, error=NOT_SENT, status=503
        )
    except ShieldwallError as exc:
        if exc.code == "invalid_path":
            return _problem(request, subject, CHANGED)
        field_id = (exc.field or "").removeprefix("fields.")
        if field_id in review.values:
            review.errors[field_id] = exc.message
            return _render_step(request, flow, subject, before, review=review, status=422)
        return _render_step(
            request, flow, subject, before, review=review, error=NOT_SENT, status=502
        )
    return redirect("report_done", report_id=filed.report_id)


def _render_step(
    request: HttpRequest,
    flow: ReportFlow,
    subject: Subject,
    state: FormState,
    *,
    review: ReviewInput | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    position = flow.walk(state.path)
    step: FlowStep = position.step
    fields = services.shown_fields(step, position.recorded)
    review = review or ReviewInput()
    context = {
        "flow": flow,
        "step": step,
        "prompt": step.prompt_for(subject.handle),
        "subject": subject,
        "state": state,
        "action": request.path,
        "answers": [
            (s.prompt_for(subject.handle), o.label)
            for s, o in position.answers
            if s.kind == "choice"
        ],
        "fields": [
            {
                "field": f,
                "value": review.values.get(f.id, [] if f.kind == "posts" else ""),
                "error": review.errors.get(f.id, ""),
            }
            for f in fields
        ],
        "candidates": services.candidate_posts(subject)
        if any(f.kind == "posts" for f in fields)
        else [],
        "error": error,
    }
    return render(request, "microblog/report_step.html", context, status=status)


def _problem(
    request: HttpRequest, subject: Subject, message: str, *, status: int = 400, restart: bool = True
) -> HttpResponse:
    return render(
        request,
        "microblog/report_problem.html",
        {"subject": subject, "message": message, "restart": restart},
        status=status,
    )


@login_required
@require_GET
def report_done(request: HttpRequest, report_id: str) -> HttpResponse:
    """The flow's last step, after Submit: thanks, and where to follow the report."""
    reporter = viewer_profile(request)
    filed = get_object_or_404(FiledReport, report_id=report_id, reporter=reporter)
    try:
        flow: ReportFlow | None = flows.report_flow(filed.subject_type, filed.has_media)
    except flows.FlowUnavailable:
        flow = None
    done = next((s for s in flow.steps.values() if s.kind == "done"), None) if flow else None
    # Done leads away from what was reported, never back to it; the reporter may rather
    # not see that account again: block and mute are offered right here.
    account = Profile.objects.filter(handle=filed.subject_handle, suspended_at__isnull=True).first()
    if account is not None and reporter is not None and account.pk == reporter.pk:
        account = None
    blocked, muted = relation(reporter, account) if account is not None else (False, False)
    return render(
        request,
        "microblog/report_done.html",
        {
            "filed": filed,
            "step": done,
            "back": reverse("home"),
            "account": account,
            "blocked": blocked,
            "muted": muted,
        },
    )


@login_required
@require_GET
def your_reports(request: HttpRequest) -> HttpResponse:
    """The reports this person filed, with what Shieldwall decided."""
    reporter = viewer_profile(request)
    reports = list(FiledReport.objects.filter(reporter=reporter)[:50])
    fresh = services.refresh_statuses(reports)
    rows = [
        {
            "filed": r,
            "label": services.status_label(r.status),
            "decided": r.status in services.STATUS_LABELS,
            "url": _subject_url(r),
        }
        for r in reports
    ]
    return render(request, "microblog/your_reports.html", {"rows": rows, "fresh": fresh})


def _subject_url(filed: FiledReport) -> str:
    if filed.subject_type == "post":
        return reverse("post", args=[filed.subject_id])
    if filed.subject_type == "hashtag":
        return reverse("tag", args=[filed.subject_id])
    return reverse("profile", args=[filed.subject_handle])
