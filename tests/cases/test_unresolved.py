"""Public reports act on real subjects: a link that resolves is filed against the platform's
subject, one that does not waits in "Unresolved links" for triage, and nothing acts on it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shieldwall.cases import services as cases
from shieldwall.cases import unresolved
from shieldwall.cases.models import Case, CaseReport
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Conflict, Forbidden, Invalid
from shieldwall.core.models import AuditEvent
from shieldwall.core.roles import user_actor
from shieldwall.integrations.models import Action
from shieldwall.reports.models import Report, ReportSource
from shieldwall.reports.services import ReportIn, submit_report
from shieldwall.subjects.services import ingest_events
from tests.cases.test_cases import CSE, posted, report
from tests.cases.test_desk import HX, login
from tests.photos import jpeg, photo
from tests.subjects.builders import event, post
from tests.subjects.platform import HOST, MEDIA_HOST, register

pytestmark = pytest.mark.django_db


def public(actor: Actor, link: str, *, kind: str = "post", key: str = "tok-1") -> Report:
    """A report made on the public page about this link, filed by the worker."""
    stored, _ = submit_report(
        report=ReportIn(
            idempotency_key=key,
            subject_type=kind,
            subject_id="",
            subject_url=link,
            has_media=kind == "post",
            path=[(f"report_{kind}", "start"), *CSE[1:]],
            fields={"context": "placeholder context"},
            source=ReportSource.PUBLIC_FORM,
        ),
        actor=actor,
    )
    cases.file_pending_reports()
    stored.refresh_from_db()
    return stored


@pytest.fixture(autouse=True)
def _platform(actor: Actor) -> None:
    register(actor)


def _tidepool_post(actor: Actor) -> None:
    ingest_events(
        events=[
            event("account.created", account_id="a1", handle="poster", display_name="Poster"),
            post(
                "p1",
                "a1",
                1,
                text="the reported post's text #placeholdertag",
                hashtags=["placeholdertag"],
            ),
            event(
                "media.attached",
                2,
                media_id="m-p1",
                post_id="p1",
                media_type="image",
                url=f"https://{MEDIA_HOST}/media/m-p1",
            ),
        ],
        actor=actor,
    )
    posted(actor, "p1", jpeg(photo("coffee")))


def test_a_link_that_resolves_is_filed_against_the_platforms_post(actor: Actor) -> None:
    _tidepool_post(actor)
    moderator = login(actor, "moderator")
    stored = public(actor, f"https://{HOST}/p/p1?ref=share")
    assert (stored.resolution, stored.subject_id) == ("resolved", "p1")
    case = Case.objects.get()
    assert (case.subject_type, case.subject_id, case.account_id) == ("post", "p1", "a1")
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert "the reported post&#x27;s text" in page
    assert "@poster" in page
    assert "m-p1" in page
    revealed = moderator.post(
        f"/desk/case/{case.public_id}/reveal", {"media_id": "m-p1"}, headers=HX
    )
    assert f'src="https://{MEDIA_HOST}/media/m-p1"' in revealed.content.decode()
    cases.decide(
        case_id=case.public_id, decision="removed_post", actor=user_actor(_user("moderator-1"))
    )
    assert Action.objects.get(kind="remove_post").subject_id == "p1"  # the platform's id


def _user(username: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


@pytest.mark.parametrize(
    ("link", "kind", "subject"),
    [
        (f"https://{HOST}/@Poster", "account", "a1"),  # by handle, whatever its case
        (f"https://www.{HOST}/users/a1/", "account", "a1"),
        (f"https://{HOST}/tag/PlaceholderTag", "hashtag", "placeholdertag"),
    ],
)
def test_accounts_and_hashtags_resolve_too(
    actor: Actor, link: str, kind: str, subject: str
) -> None:
    _tidepool_post(actor)
    stored = public(actor, link, kind=kind)
    assert (stored.resolution, stored.subject_type, stored.subject_id) == (
        "resolved",
        kind,
        subject,
    )
    assert Case.objects.get().subject_id == subject


@pytest.mark.parametrize(
    ("link", "reason"),
    [
        (f"https://{HOST}/p/p_never_seen", "unknown_subject"),
        (f"https://{HOST}/about", "no_match"),
    ],
)
def test_a_link_that_does_not_resolve_waits_in_no_case(
    actor: Actor, link: str, reason: str
) -> None:
    stored = public(actor, link)
    assert (stored.resolution, stored.unresolved_reason) == ("unresolved", reason)
    assert stored.filed_at is not None  # the filer is done with it
    assert not Case.objects.exists()
    assert not Action.objects.exists()
    assert AuditEvent.objects.get(action="reports.unresolved").data["reports"] == [
        [stored.public_id, "child_sexual_exploitation", reason]
    ]
    with pytest.raises(Conflict):
        cases.file_report(stored)


def test_a_post_reported_before_its_events_arrive_is_filed_once_they_do(actor: Actor) -> None:
    stored = public(actor, f"https://{HOST}/p/p1")
    assert stored.resolution == "unresolved"
    assert unresolved.file_waiting_links() == 0
    _tidepool_post(actor)
    assert unresolved.file_waiting_links() == 1
    stored.refresh_from_db()
    assert (stored.resolution, stored.subject_id) == ("resolved", "p1")
    assert Case.objects.get().subject_id == "p1"
    assert AuditEvent.objects.get(action="report.resolve").data["via"] == "events_arrived"
    assert unresolved.file_waiting_links() == 0


def test_after_an_hour_a_waiting_link_is_left_to_triage(actor: Actor) -> None:
    stored = public(actor, f"https://{HOST}/p/p1")
    _tidepool_post(actor)
    later = timezone.now() + timedelta(hours=2)
    assert unresolved.file_waiting_links(now=later) == 0
    stored.refresh_from_db()
    assert stored.resolution == "unresolved"


def test_triage_lists_waiting_links_cse_first_and_resolves_one(actor: Actor) -> None:
    _tidepool_post(actor)
    spam_path = [("report_post", "start"), ("who_affected", "everyone"), ("what_happening", "spam")]
    spam, _ = submit_report(
        report=ReportIn(
            idempotency_key="tok-spam",
            subject_type="post",
            subject_id="",
            subject_url=f"https://{HOST}/about/spam",
            has_media=False,
            path=[*spam_path, ("review", "submit")],
            fields={},
            reporter_email="a@example.test",
            reporter_name="A. Person",
            source=ReportSource.PUBLIC_FORM,
        ),
        actor=actor,
    )
    waiting = public(actor, f"https://{HOST}/about", key="tok-cse")
    triage = login(actor, "triage")
    page = triage.get("/desk/unresolved").content.decode()
    assert page.index(waiting.public_id) < page.index(spam.public_id)
    assert f"https://{HOST}/about" in page
    assert "a@example.test" not in page
    assert "A. Person" not in page
    assert "/p/{id}" in page  # how links are read
    assert "Unresolved links (2)" in triage.get("/desk/").content.decode()
    r = triage.post(
        f"/desk/unresolved/{waiting.public_id}/resolve", {"subject_type": "post", "subject": "p1"}
    )
    case = Case.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/desk/case/{case.public_id}"
    assert case.subject_id == "p1"
    waiting.refresh_from_db()
    assert waiting.resolution == "resolved"
    audit = AuditEvent.objects.get(action="report.resolve")
    assert (audit.actor, audit.data["via"], audit.data["subject"]) == (
        "user:triage-1",
        "triage",
        "post:p1",
    )


def test_triage_cannot_resolve_to_a_subject_the_platform_never_named(actor: Actor) -> None:
    waiting = public(actor, f"https://{HOST}/about")
    triage = login(actor, "triage")
    r = triage.post(
        f"/desk/unresolved/{waiting.public_id}/resolve",
        {"subject_type": "post", "subject": "p_made_up"},
    )
    assert r.status_code == 422
    assert "has told Shieldwall of no post" in r.content.decode().replace("&#x27;", "'")
    assert not Case.objects.exists()
    with pytest.raises(Invalid):
        unresolved.resolve_report(
            report_id=waiting.public_id, subject_type="planet", subject="x", actor=actor
        )


def test_triage_dismisses_a_link_and_the_reporter_sees_it_closed(actor: Actor) -> None:
    waiting = public(actor, f"https://{HOST}/about")
    triage = login(actor, "triage")
    r = triage.post(f"/desk/unresolved/{waiting.public_id}/dismiss", follow=True)
    assert f"Report {waiting.public_id} dismissed." in r.content.decode()
    waiting.refresh_from_db()
    assert (waiting.resolution, waiting.status) == ("dismissed", "no_violation")
    assert AuditEvent.objects.get(action="report.dismiss").actor == "user:triage-1"
    again = triage.post(f"/desk/unresolved/{waiting.public_id}/dismiss")
    assert again.status_code == 409
    assert not Action.objects.exists()


@pytest.mark.parametrize("role", ["compliance", "auditor"])
def test_roles_without_triage_rights_cannot_see_or_resolve_waiting_links(
    actor: Actor, role: str
) -> None:
    waiting = public(actor, f"https://{HOST}/about")
    client = login(actor, role)
    assert client.get("/desk/unresolved").status_code == 403
    assert client.post(f"/desk/unresolved/{waiting.public_id}/dismiss").status_code == 403
    with pytest.raises(Forbidden):
        unresolved.dismiss_report(report_id=waiting.public_id, actor=user_actor(_user(f"{role}-1")))
    waiting.refresh_from_db()
    assert waiting.resolution == "unresolved"


def test_a_case_filed_by_a_raw_link_before_links_were_read_takes_no_decision(
    actor: Actor,
) -> None:
    _tidepool_post(actor)
    case = report(actor, "http://tidepool.example/p/p1")  # what the old /report page did
    legacy = Report.objects.get()
    Report.objects.update(
        source=ReportSource.PUBLIC_FORM, resolution="unresolved", unresolved_reason="legacy"
    )
    with pytest.raises(Conflict) as refused:
        cases.decide(case_id=case.public_id, decision="removed_post", actor=actor)
    assert refused.value.code == "unresolved_subject"
    assert not Action.objects.filter(kind="remove_post").exists()
    unresolved.resolve_report(
        report_id=legacy.public_id, subject_type="post", subject="p1", actor=actor
    )
    case.refresh_from_db()
    assert case.state == "closed"  # the raw-link case lost its only report
    assert not CaseReport.objects.filter(case=case).exists()
    assert Case.objects.get(state="open").subject_id == "p1"
