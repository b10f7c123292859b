"""The desk reads, then words: reports in their own flow version, fixed query counts, words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shieldwall.banks import services as banks
from shieldwall.cases import desk, queries
from shieldwall.cases import services as cases
from shieldwall.cases.models import Case, DecisionKind
from shieldwall.core.actors import Actor
from shieldwall.core.roles import user_actor
from shieldwall.reports.flow import FLOW_VERSION, PREVIOUS_FLOW_VERSION
from shieldwall.reports.models import Report
from shieldwall.reports.services import ReportIn, submit_report
from shieldwall.subjects.services import ingest_events
from tests.cases.test_cases import NCII_ME, SPAM, posted, report
from tests.cases.test_desk import login
from tests.photos import jpeg, photo
from tests.subjects.platform import MEDIA_HOST, register

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cases.test_desk")]

# Nudity of the reporter as 2026-11-26.1 asked it: "Is this nudity of you?" came after "Me".
NCII_ME_BEFORE = [
    ("report_post", "start"),
    ("who_affected", "me"),
    ("what_happening", "sensitive"),
    ("sensitive_kind", "ncii"),
    ("ncii_about_you", "yes"),
    ("review", "submit"),
]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def moderator(actor: Actor) -> Client:
    return login(actor, "moderator")


def _stored_as(case: Case, *, version: str, path: list[tuple[str, str]]) -> None:
    """Make the case's report one stored under another flow version (as an old row is)."""
    Report.objects.filter(case_link__case=case).update(flow_version=version, path=path)


def _answer(question: str, answer: str) -> str:
    return f'<span class="q">{question}</span> <span class="a">{answer}</span>'


def test_a_report_made_under_the_previous_flow_reads_in_that_versions_words(
    actor: Actor, moderator: Client
) -> None:
    case = report(actor, "p-old", NCII_ME)
    _stored_as(case, version=PREVIOUS_FLOW_VERSION, path=NCII_ME_BEFORE)
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert _answer("Is this nudity of you?", "Yes, it&#x27;s me") in page
    assert _answer("Who is affected?", "Me") in page
    assert _answer("What kind of content is it?", "Non-consensual nudity") in page
    assert "Shown as stored" not in page
    # The same path read against today's tree does not walk it: today's words would lie.
    _stored_as(case, version=FLOW_VERSION, path=NCII_ME_BEFORE)
    today = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert "Shown as stored: this report&#x27;s path does not follow flow version" in today
    assert _answer("ncii_about_you", "yes") in today
    assert "Is this nudity of you?" not in today


def test_a_report_of_an_unknown_flow_version_shows_its_raw_path_and_a_note(
    actor: Actor, moderator: Client
) -> None:
    case = report(actor, "p-future", SPAM)
    _stored_as(case, version="2099-01-01.1", path=[("report_post", "start"), ("odd", "x")])
    r = moderator.get(f"/desk/case/{case.public_id}")
    assert r.status_code == 200
    page = r.content.decode()
    assert "made under flow version &#x27;2099-01-01.1&#x27;, unknown here" in page
    assert _answer("report_post", "start") in page
    assert _answer("odd", "x") in page


def _posts_with_media_and_reach(actor: Actor, prefix: str, n: int) -> list[str]:
    """n posts by one account, each with a photo on the media host and two reach samples."""
    ids = [f"{prefix}{i}" for i in range(n)]
    events: list[dict[str, Any]] = [
        {
            "id": f"acct-{prefix}",
            "type": "account.created",
            "occurred_at": "2026-01-01T00:00:00Z",
            "data": {"account_id": f"acct-{prefix}", "handle": f"h{prefix}"},
        }
    ]
    for post_id in ids:
        events += [
            {
                "id": f"post-{post_id}",
                "type": "post.created",
                "occurred_at": "2026-01-02T00:00:00Z",
                "data": {"post_id": post_id, "account_id": f"acct-{prefix}", "text": post_id},
            },
            {
                "id": f"media-{post_id}",
                "type": "media.attached",
                "occurred_at": "2026-01-02T00:00:00Z",
                "data": {
                    "media_id": f"m-{post_id}",
                    "post_id": post_id,
                    "media_type": "image",
                    "url": f"https://{MEDIA_HOST}/{post_id}.jpg",
                },
            },
            *[
                {
                    "id": f"metrics-{post_id}-{h}",
                    "type": "post.metrics",
                    "occurred_at": f"2026-01-02T0{h}:00:00Z",
                    "data": {"post_id": post_id, "views": 10 * h, "reshares": h},
                }
                for h in (1, 2)
            ],
        ]
    ingest_events(events=events, actor=actor)
    return ids


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm the per-process caches (profile, flow trees)
    with CaptureQueriesContext(connection) as seen:
        assert client.get(url).status_code == 200
    return len(seen.captured_queries)


def test_the_case_page_reads_a_fixed_number_of_queries_however_many_posts(
    actor: Actor, moderator: Client
) -> None:
    register(actor)
    few = _posts_with_media_and_reach(actor, "a", 2)
    many = _posts_with_media_and_reach(actor, "b", 8)
    small = report(actor, few[0], SPAM, additional_posts=few[1:])
    large = report(actor, many[0], SPAM, additional_posts=many[1:])
    small_page = moderator.get(f"/desk/case/{small.public_id}").content.decode()
    large_page = moderator.get(f"/desk/case/{large.public_id}").content.decode()
    assert small_page.count("data-post-card=") == 1
    assert large_page.count("data-post-card=") == 7
    assert large_page.count("<polyline points=") >= 7  # each post's reach is drawn
    assert _queries(moderator, f"/desk/case/{large.public_id}") == _queries(
        moderator, f"/desk/case/{small.public_id}"
    )


def test_the_queue_reads_a_fixed_number_of_queries_however_many_cases(
    actor: Actor, moderator: Client
) -> None:
    posts = _posts_with_media_and_reach(actor, "q", 8)
    for post_id in posts[:2]:
        report(actor, post_id, SPAM)
    two = _queries(moderator, "/desk/")
    for post_id in posts[2:]:
        report(actor, post_id, SPAM)
    page = moderator.get("/desk/").content.decode()
    assert page.count("data-case=") == 8
    assert page.count("by @hq") == 8
    assert _queries(moderator, "/desk/") == two


def test_queries_return_values_that_the_desk_words(actor: Actor, moderator: Client) -> None:
    case = report(actor, "p-values", SPAM)
    user = get_user_model().objects.get(username="moderator-1")
    found = queries.case_detail(actor=user_actor(user), user=user, public_id=case.public_id)
    # A post with no media known: removing media is not offered.
    assert [spec.key for spec in found.decisions] == [
        DecisionKind.REMOVED_POST,
        DecisionKind.SUSPENDED_ACCOUNT,
        DecisionKind.NO_VIOLATION,
    ]
    assert [r.public_id for r in found.reports] == [
        r.public_id for r in Report.objects.filter(case_link__case=case)
    ]
    shown = desk.case_detail(found, NOW)
    assert [b.verb for b in shown.decisions] == ["Remove post", "Suspend account", "No violation"]
    assert shown.category_label == "Spam"
    assert shown.tier_badge == "Other"
    queue = queries.queue_page(actor=user_actor(user), user=user, filters=queries.QueueFilters())
    assert [(e.case.public_id, e.handle) for e in queue.rows] == [(case.public_id, "")]
    assert [r.category_label for r in desk.queue_page(queue, NOW).rows] == ["Spam"]


# --- words, without a database ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text", "status"),
    [
        (-8, "8 min overdue", "overdue"),
        (0.5, "in <1 min", "soon"),
        (12, "in 12 min", "soon"),
        (16, "in 16 min", "ok"),
        (185, "in 3 h 5 min", "ok"),
        (60 * 30, "in 30 h", "ok"),
        (60 * 24 * 3, "in 3 d", "ok"),
    ],
)
def test_due_in_words(minutes: float, text: str, status: str) -> None:
    shown = desk.due(NOW + timedelta(minutes=minutes), NOW)
    assert (shown.text, shown.status) == (text, status)


@pytest.mark.parametrize(
    ("days", "text"),
    [(None, "unknown"), (0, "less than a day"), (1, "1 day"), (12, "12 days"), (150, "5 months")],
)
def test_account_age_in_words(days: int | None, text: str) -> None:
    created = None if days is None else NOW - timedelta(days=days, hours=1)
    assert desk.age(created, NOW) == text


def test_sparkline_spans_the_box_and_needs_two_points() -> None:
    assert desk.sparkline([5]) == ""
    assert desk.sparkline([0, 10]) == "0.0,30.0 120.0,2.0"
    assert desk.sparkline([0, 0, 0]) == "0.0,30.0 60.0,30.0 120.0,30.0"


def _unsaved(version: str, path: list[tuple[str, str]]) -> Any:
    return Report(subject_type="post", has_media=True, path=path, flow_version=version)


def test_path_in_words_skips_the_steps_that_ask_nothing() -> None:
    reading = desk.path_in_words(_unsaved(FLOW_VERSION, NCII_ME))
    assert reading.note == ""
    assert [s.question for s in reading.steps] == [
        "Who is affected?",
        "What is happening?",
        "What kind of content is it?",
        "You are reporting intimate images of you shared without your consent",
    ]
    stale = desk.path_in_words(_unsaved(PREVIOUS_FLOW_VERSION, NCII_ME))
    assert "does not follow flow version '2026-11-26.1' at 'what_happening_me'" in stale.note
    assert stale.steps[2] == desk.PathStep("what_happening_me", "sensitive")


def _reported(actor: Actor, kind: str, subject_id: str) -> Case:
    """A filed spam report about an account or a hashtag the platform told us of."""
    stored, _ = submit_report(
        report=ReportIn(
            idempotency_key=f"{kind}-{subject_id}",
            subject_type=kind,
            subject_id=subject_id,
            has_media=False,
            path=[(f"report_{kind}", "start"), *SPAM[1:]],
            fields={},
            reporter_id="u1",
        ),
        actor=actor,
    )
    cases.file_pending_reports()
    return Case.objects.get(case_reports__report=stored)


def test_each_kind_of_subject_has_its_own_heading_and_badge(
    actor: Actor, moderator: Client
) -> None:
    ingest_events(
        events=[
            {
                "id": "acct",
                "type": "account.created",
                "occurred_at": "2026-01-01T00:00:00Z",
                "data": {"account_id": "acct-7", "handle": "seller", "bio": "placeholder bio"},
            },
            {
                "id": "post",
                "type": "post.created",
                "occurred_at": "2026-01-02T00:00:00Z",
                "data": {"post_id": "p7", "account_id": "acct-7", "text": "x #placeholdertag"},
            },
        ],
        actor=actor,
    )
    account = moderator.get(f"/desk/case/{_reported(actor, 'account', 'acct-7').public_id}")
    page = account.content.decode()
    assert '<h2 id="subject-title">The account</h2>' in page
    assert '<p class="subject-text">placeholder bio</p>' in page
    assert '<span class="tier-badge big t3">Other</span>' in page
    hashtag = moderator.get(f"/desk/case/{_reported(actor, 'hashtag', 'placeholdertag').public_id}")
    page = hashtag.content.decode()
    assert '<h2 id="subject-title">The hashtag</h2>' in page
    assert '<p class="subject-text">#placeholdertag</p>' in page
    assert "No text: the platform sent none" not in page
    cse = moderator.get(f"/desk/case/{report(actor, 'p7').public_id}").content.decode()
    assert '<h2 id="subject-title">The post</h2>' in cse
    assert '<span class="tier-badge big t1">CSE</span>' in cse
    queue = moderator.get("/desk/").content.decode()
    assert '<span class="tier-badge t1">CSE</span>' in queue
    assert queue.count('<span class="tier-badge t3">Other</span>') == 2


def test_a_verified_match_is_the_one_signal_tagged_verified(
    actor: Actor, moderator: Client
) -> None:
    image = jpeg(photo("chelsea"))
    banks.create_bank(
        name="verified", actor=actor, kind="verified_csam", action="block", reason="test list"
    )
    banks.add_media(bank_name="verified", data=image, actor=actor, reason="test list")
    posted(actor, "p1", image)
    case = report(actor, "p1")
    for page in (
        moderator.get(f"/desk/case/{case.public_id}").content.decode(),
        moderator.get("/desk/").content.decode(),
    ):
        assert '<span class="tag verified">Verified bank match</span>' in page
        tags = re.findall(r'<span class="tag( verified)?">([^<]+)</span>', page)
        signals = [(flag, name) for flag, name in tags if name in desk.SIGNAL_LABELS.values()]
        assert [name for flag, name in signals if flag] == ["Verified bank match"]
    other = report(actor, "p2", NCII_ME)
    page = moderator.get(f"/desk/case/{other.public_id}").content.decode()
    assert '<span class="tag">Reported by the person shown</span>' in page
    assert "tag verified" not in page
