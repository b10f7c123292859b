"""A few reports for the demo, child sexual exploitation first, sent as a person's are.

Each goes through Tidepool's own report path (the flow tree from Shieldwall, the SDK,
`POST /api/v1/reports`) from seeded accounts, so the desk opens on a real queue. The paths
are found in the tree by what they must record, not written out here, so a changed tree
still seeds. Fixed form keys make a second run find the reports it sent instead of sending
more. Every post is an ordinary seeded one: these reports are made up for the demo.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from microblog.accounts.models import Profile
from microblog.posts.models import Post
from microblog.reporting import flows
from microblog.reporting.models import FiledReport
from microblog.reporting.services import (
    Subject,
    account_subject,
    candidate_posts,
    post_subject,
    reason_label,
    shieldwall_key,
    submit,
)
from shieldwall_client import ReportFlow

CSE = "child_sexual_exploitation"
NOT_REPORTERS = ("tidepool", "demo")  # the team account, and the account people log in as


@dataclass(frozen=True)
class Planned:
    """One seeded report: what its path records, about what, by how many people."""

    key: str
    wants: dict[str, str]
    subject: str  # "image post", "text post" or "account"
    reporters: int = 1
    fields: dict[str, Any] = field(default_factory=dict)
    extra_posts: int = 0  # "Add another post": more posts of the same account


PLAN = (
    Planned(
        "cse-imagery",
        {"category": CSE, "affected": "someone_else"},
        "image post",
        reporters=2,
        fields={
            "cse_reason": "abuse_imagery",
            "context": "A demo report: the picture is harmless.",
        },
        extra_posts=1,
    ),
    Planned(
        "cse-selling",
        {"category": CSE, "affected": "everyone"},
        "text post",
        fields={"cse_reason": "selling_or_soliciting"},
    ),
    Planned("ncii-me", {"category": "non_consensual_nudity", "affected": "me"}, "image post"),
    Planned("spam-account", {"category": "spam"}, "account"),
    Planned("harassment", {"category": "harassment", "affected": "me"}, "text post"),
)


@dataclass(frozen=True)
class Seeded:
    """A report the demo filed (or had filed on an earlier run)."""

    category: str
    subject_type: str
    subject_id: str
    handle: str


def path_to(flow: ReportFlow, wants: dict[str, str]) -> list[tuple[str, str]]:
    """The first path through the tree, up to its Submit, that records all of `wants`."""

    def walk(
        step_id: str, recorded: dict[str, str], seen: frozenset[str]
    ) -> Iterator[list[tuple[str, str]]]:
        step = flow.steps[step_id]
        if step.kind == "review":
            if all(recorded.get(k) == v for k, v in wants.items()):
                submit_option = next(o for o in step.options if o.next)
                yield [(step.id, submit_option.id)]
            return
        for option in step.options:
            sets = {**recorded, **option.sets}
            if any(k in sets and sets[k] != v for k, v in wants.items()):
                continue
            if option.next and option.next in flow.steps and option.next not in seen:
                for rest in walk(option.next, sets, seen | {option.next}):
                    yield [(step.id, option.id), *rest]

    found = next(walk(flow.start, {}, frozenset({flow.start})), None)
    if found is None:
        raise LookupError(f"the report flow has no path recording {wants}")
    return found


def _people() -> list[Profile]:
    return list(
        Profile.objects.filter(suspended_at__isnull=True)
        .exclude(handle__in=NOT_REPORTERS)
        .order_by("id")
    )


def _subjects(kind: str, used: set[str]) -> Iterator[Subject]:
    if kind == "account":
        for profile in _people():
            if profile.public_id not in used:
                yield account_subject(profile)
        return
    visible = Post.objects.visible().exclude(author__handle__in=NOT_REPORTERS)
    posts = visible.with_media("image") if kind == "image post" else visible.filter(media=None)
    for post in posts.select_related("author").order_by("created_at", "id"):
        if post.public_id not in used:
            yield post_subject(post)


def seed_reports() -> list[Seeded]:
    """File the planned reports (once), child sexual exploitation first."""
    people = _people()
    done: list[Seeded] = []
    used: set[str] = set()
    for plan in PLAN:
        earlier = FiledReport.objects.filter(
            idempotency_key__endswith=f":demo-seed-{plan.key}-0"
        ).first()
        if earlier is not None:  # sent on an earlier run: whatever happened to it since
            used.add(earlier.subject_id)
            done.append(
                Seeded(
                    plan.wants["category"],
                    earlier.subject_type,
                    earlier.subject_id,
                    f"@{earlier.subject_handle}",
                )
            )
            continue
        subject = next(_subjects(plan.subject, used), None)
        if subject is None:
            continue
        used.add(subject.id)
        flow = flows.report_flow(subject.type, subject.has_media)
        path = path_to(flow, plan.wants)
        position = flow.walk(path)
        fields = dict(plan.fields)
        if plan.extra_posts:
            more = candidate_posts(subject)[: plan.extra_posts]
            fields["additional_posts"] = [p.public_id for p in more]
        author_pk = subject.author.pk if subject.author is not None else None
        reporters = [p for p in people if p.pk != author_pk][: plan.reporters]
        for n, reporter in enumerate(reporters):
            form_key = f"demo-seed-{plan.key}-{n}"
            if not FiledReport.objects.filter(
                idempotency_key=shieldwall_key(reporter, form_key)
            ).exists():
                submit(
                    reporter=reporter,
                    subject=subject,
                    form_key=form_key,
                    path=path,
                    fields=fields,
                    reason=reason_label(position.answers),
                )
        done.append(Seeded(plan.wants["category"], subject.type, subject.id, subject.handle))
    return done
