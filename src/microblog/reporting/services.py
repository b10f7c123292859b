"""Reporting verbs: what is reported, which posts may be added, submit, and follow status."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from microblog.accounts.models import Profile
from microblog.posts.models import Post
from microblog.reporting.models import FiledReport
from microblog.safety import shieldwall
from shieldwall_client import (
    FlowField,
    FlowOption,
    FlowStep,
    Report,
    ShieldwallError,
    ShieldwallUnavailable,
)

log = logging.getLogger(__name__)

MAX_CANDIDATE_POSTS = 20
# What a reporter is told; Shieldwall's statuses are received, in_review, actioned, no_violation.
STATUS_LABELS = {"actioned": "We removed it", "no_violation": "No violation found"}
IN_REVIEW = "In review"


@dataclass(frozen=True)
class Subject:
    """What is being reported: a post, an account or a hashtag, with what the flow needs."""

    type: str  # "post" | "account" | "hashtag"
    id: str  # the opaque id Shieldwall knows it by (a hashtag: its normalised name)
    author: Profile | None  # None for a hashtag
    url: str
    back_url: str
    has_media: bool = False
    post: Post | None = None

    @property
    def handle(self) -> str:
        """How the flow's prompts name it: "@handle", or "#name" for a hashtag."""
        return f"@{self.author.handle}" if self.author is not None else f"#{self.id}"

    @property
    def account_handle(self) -> str:
        """The account's handle (without "@"), "" for a hashtag."""
        return self.author.handle if self.author is not None else ""

    @property
    def noun(self) -> str:
        return self.type if self.type in ("post", "hashtag") else "account"


def post_subject(post: Post) -> Subject:
    """A post; "with media" when it shows at least one image or video."""
    return Subject(
        type="post",
        id=post.public_id,
        author=post.author,
        url=settings.PUBLIC_URL + reverse("post", args=[post.public_id]),
        back_url=reverse("post", args=[post.public_id]),
        has_media=post.media.filter(removed_at__isnull=True).exists(),
        post=post,
    )


def account_subject(profile: Profile) -> Subject:
    """An account."""
    return Subject(
        type="account",
        id=profile.public_id,
        author=profile,
        url=settings.PUBLIC_URL + reverse("profile", args=[profile.handle]),
        back_url=reverse("profile", args=[profile.handle]),
    )


def hashtag_subject(name: str) -> Subject:
    """A hashtag, by its normalised name (the platform's profile links it as /tag/{name})."""
    return Subject(
        type="hashtag",
        id=name,
        author=None,
        url=settings.PUBLIC_URL + reverse("tag", args=[name]),
        back_url=reverse("tag", args=[name]),
    )


def candidate_posts(subject: Subject) -> list[Post]:
    """The account's recent visible posts that may be added to the report ("Add another post");
    none for a hashtag."""
    if subject.author is None:
        return []
    posts = Post.objects.visible().filter(author=subject.author).prefetch_related("media")
    if subject.post is not None:
        posts = posts.exclude(pk=subject.post.pk)
    return list(posts.order_by("-created_at", "-id")[:MAX_CANDIDATE_POSTS])


@dataclass
class ReviewInput:
    """The review step's fields as the reporter filled them in, and what is wrong with them."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> dict[str, Any]:
        """What to send to Shieldwall: the non-empty values."""
        return {k: v for k, v in self.values.items() if v}


def read_review(
    step: FlowStep, recorded: dict[str, str], data: QueryDict, candidates: Sequence[Post]
) -> ReviewInput:
    """Read and check the fields that apply on this path; kinds this code does not know are
    left out (the server treats every field as optional)."""
    out = ReviewInput()
    allowed = {p.public_id for p in candidates}
    for f in shown_fields(step, recorded):
        if f.kind == "choice":
            value = data.get(f.id, "")
            if value and value not in {c.id for c in f.choices}:
                out.errors[f.id] = "Choose one of the options."
            out.values[f.id] = value
        elif f.kind == "posts":
            ids = list(dict.fromkeys(data.getlist(f.id)))
            if f.max_items is not None and len(ids) > f.max_items:
                out.errors[f.id] = f"Choose at most {f.max_items} posts."
            elif any(i not in allowed for i in ids):
                out.errors[f.id] = "One of the posts you chose is no longer available."
            out.values[f.id] = ids
        elif f.kind == "text":
            text = data.get(f.id, "").replace("\r\n", "\n").strip()
            if f.max_length is not None and len(text) > f.max_length:
                out.errors[f.id] = (
                    f"Write at most {f.max_length} characters (you wrote {len(text)})."
                )
            out.values[f.id] = text
    return out


def shown_fields(step: FlowStep, recorded: dict[str, str]) -> list[FlowField]:
    """The step's fields that apply given what the path recorded (a field's `when`)."""
    return [f for f in step.fields if f.applies(recorded)]


def shieldwall_key(reporter: Profile, form_key: str) -> str:
    """The idempotency key sent to Shieldwall: one per report form, never shared by two people."""
    return f"{reporter.public_id}:{form_key}"


def submit(
    *,
    reporter: Profile,
    subject: Subject,
    form_key: str,
    path: Sequence[tuple[str, str]],
    fields: dict[str, Any],
    reason: str = "",
) -> FiledReport:
    """Send the report (again, safely, after a double click) and remember it as this person's."""
    client = shieldwall.client()
    if client is None:
        raise ShieldwallUnavailable(0, "not_configured", "no Shieldwall is configured")
    key = shieldwall_key(reporter, form_key)
    report = client.submit_report(
        idempotency_key=key,
        subject_type=subject.type,
        subject_id=subject.id,
        subject_handle=subject.handle if subject.author is not None else "",
        subject_url=subject.url,
        has_media=subject.has_media,
        path=list(path),
        fields=fields,
        reporter_id=reporter.public_id,
    )
    log.info("report %s filed about %s %s", report.id, subject.type, subject.id)
    try:
        with transaction.atomic():
            filed, _ = FiledReport.objects.get_or_create(
                report_id=report.id,
                defaults={
                    "reporter": reporter,
                    "idempotency_key": key,
                    "subject_type": subject.type,
                    "subject_id": subject.id,
                    "subject_handle": subject.account_handle,
                    "has_media": subject.has_media,
                    "reason": (reason or _humanise(report.category))[:200],
                    "status": report.status,
                },
            )
    except IntegrityError:  # the other click of a double click stored it a moment ago
        filed = FiledReport.objects.get(report_id=report.id)
    return filed


def _humanise(category: str) -> str:
    """ "child_sexual_exploitation" -> "Child sexual exploitation" (when no label is known)."""
    return category.replace("_", " ").capitalize()


def reason_label(answers: Sequence[tuple[FlowStep, FlowOption]]) -> str:
    """The label of the answer that recorded the category, when the tree says which one."""
    for _, option in reversed(answers):
        if "category" in option.sets:
            return option.label
    return ""


def status_label(status: str) -> str:
    """What to tell the reporter about a Shieldwall status."""
    return STATUS_LABELS.get(status, IN_REVIEW)


def refresh_statuses(reports: Iterable[FiledReport]) -> bool:
    """Ask Shieldwall for each report's status (reused a few seconds); False if it could not."""
    client = shieldwall.client()
    now = timezone.now()
    fresh_for = timedelta(seconds=settings.REPORT_STATUS_SECONDS)
    fresh = True
    for filed in reports:
        if filed.status_checked_at and now - filed.status_checked_at < fresh_for:
            continue
        if client is None:
            return False
        try:
            report: Report = client.report_status(filed.report_id)
        except ShieldwallUnavailable:
            return False
        except ShieldwallError as exc:
            log.warning("status of report %s: %s", filed.report_id, exc.code)
            fresh = False
            continue
        filed.status, filed.status_checked_at = report.status, now
        FiledReport.objects.filter(pk=filed.pk).update(status=report.status, status_checked_at=now)
    return fresh
