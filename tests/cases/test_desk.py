"""The moderator's desk over HTTP: log-in, the queue, the case page and its htmx actions."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.test import Client
from django.urls import URLPattern, URLResolver, include, path

from shieldwall import urls as root_urls
from shieldwall.banks import services as banks
from shieldwall.cases import queries
from shieldwall.cases.models import Case, CaseComment, MediaView
from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.core.roles import user_actor
from shieldwall.core.staff import create_staff_user
from shieldwall.integrations.models import Action
from shieldwall.subjects.services import ingest_events
from tests.cases.test_cases import SPAM, posted, report
from tests.photos import jpeg, photo
from tests.subjects.platform import register


def _urlpatterns() -> list[URLPattern | URLResolver]:
    """The project's URLs, plus the desk and log-in routes until shieldwall/urls.py has them."""
    have = {str(p.pattern) for p in root_urls.urlpatterns}
    extra: list[URLPattern | URLResolver] = []
    if "desk/" not in have:
        extra.append(path("desk/", include("shieldwall.cases.urls")))
    if "accounts/login/" not in have:
        extra += [
            path(
                "accounts/login/",
                auth_views.LoginView.as_view(template_name="shieldwall/login.html"),
                name="login",
            ),
            path(
                "accounts/logout/",
                auth_views.LogoutView.as_view(next_page="/accounts/login/"),
                name="logout",
            ),
        ]
    return [*root_urls.urlpatterns, *extra]


urlpatterns = _urlpatterns()
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
HX = {"HX-Request": "true"}
PASSWORD = "a-long-desk-password-1"


def login(actor: Actor, role: str) -> Client:
    """A test client logged in as a fresh staff user in this role."""
    create_staff_user(username=f"{role}-1", roles=[role], actor=actor, password=PASSWORD)
    client = Client()
    assert client.login(username=f"{role}-1", password=PASSWORD)
    return client


@pytest.fixture
def moderator(actor: Actor) -> Client:
    return login(actor, "moderator")


def test_every_desk_page_needs_a_login(actor: Actor) -> None:
    case = report(actor, "p1")
    anonymous = Client()
    for url in ("/desk/", "/desk/counts", f"/desk/case/{case.public_id}"):
        r = anonymous.get(url)
        assert r.status_code == 302
        assert r["Location"].startswith("/accounts/login/?next=")
    r = anonymous.post(f"/desk/case/{case.public_id}/decide", {"decision": "no_violation"})
    assert r.status_code == 302
    htmx = anonymous.post(f"/desk/case/{case.public_id}/acknowledge", headers=HX)
    assert htmx["HX-Redirect"].startswith("/accounts/login/")
    assert Case.objects.get().state == "open"


def test_log_in_page_leads_to_the_queue(actor: Actor) -> None:
    create_staff_user(username="mo", roles=["moderator"], actor=actor, password=PASSWORD)
    client = Client()
    page = client.get("/accounts/login/?next=/desk/")
    assert page.status_code == 200
    assert b"Log in to the desk" in page.content
    r = client.post("/accounts/login/", {"username": "mo", "password": PASSWORD, "next": "/desk/"})
    assert (r.status_code, r["Location"]) == (302, "/desk/")
    assert client.get("/desk/").status_code == 200


def test_queue_lists_cse_first_then_by_deadline(actor: Actor, moderator: Client) -> None:
    spam = report(actor, "p-spam", SPAM)
    cse = report(actor, "p-cse")
    r = moderator.get("/desk/")
    assert r.status_code == 200
    body = r.content.decode()
    assert body.index(cse.public_id) < body.index(spam.public_id)
    assert "tier-badge t1" in body
    assert "Child sexual exploitation" in body
    assert 'hx-get="/desk/counts"' in body


def test_queue_filters(actor: Actor, moderator: Client) -> None:
    spam = report(actor, "p-spam", SPAM)
    cse = report(actor, "p-cse")
    only_spam = moderator.get("/desk/?category=spam").content.decode()
    assert spam.public_id in only_spam
    assert cse.public_id not in only_spam
    tier1 = moderator.get("/desk/?tier=1", headers={**HX, "HX-Target": "queue-results"})
    assert cse.public_id in tier1.content.decode()
    assert spam.public_id not in tier1.content.decode()
    assert b"<html" not in tier1.content  # the fragment, not the page
    moderator.post(f"/desk/case/{spam.public_id}/assign", {"assignee": "me"}, headers=HX)
    mine = moderator.get("/desk/?assignee=me").content.decode()
    assert spam.public_id in mine
    assert cse.public_id not in mine
    acked = moderator.get("/desk/?state=acknowledged").content.decode()
    assert cse.public_id not in acked
    assert moderator.get("/desk/?tier=9&state=bogus").status_code == 200  # ignored, not 500


def test_queue_pages_with_a_cursor(actor: Actor, moderator: Client) -> None:
    ids = [report(actor, f"p{n}", SPAM).public_id for n in range(3)]
    user = get_user_model().objects.get(username="moderator-1")
    first = queries.queue_page(
        actor=user_actor(user), user=user, filters=queries.QueueFilters(), limit=2
    )
    assert len(first.rows) == 2
    rest = moderator.get(f"/desk/?after={first.next_cursor}").content.decode()
    shown_first = {r.case.public_id for r in first.rows}
    assert [i for i in ids if i in rest] == [i for i in ids if i not in shown_first]
    assert moderator.get("/desk/?after=not-a-cursor").status_code == 200


def test_counts_fragment(actor: Actor, moderator: Client) -> None:
    report(actor, "p-cse")
    report(actor, "p-spam", SPAM)
    r = moderator.get("/desk/counts", headers=HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html
    assert '<div class="count tier1"><dt>CSE</dt><dd>1</dd>' in html
    assert "<dt>Open</dt><dd>2</dd>" in html


def test_case_page_hides_the_reporter_from_a_moderator(actor: Actor, moderator: Client) -> None:
    case = report(actor, "p1", reporter="reporter-secret-42", context="Seen in the tag.")
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert "reporter-secret-42" not in page
    assert 'Reporter: <span class="muted">hidden</span>' in page
    assert '<span class="q">Who is affected?</span> <span class="a">Someone else' in page
    assert "Child sexual exploitation" in page
    assert "Seen in the tag." in page
    assert "case.open" in page  # the audit trail


def test_case_page_shows_the_reporter_to_compliance(actor: Actor) -> None:
    case = report(actor, "p1", reporter="reporter-secret-42")
    compliance = login(actor, "compliance")
    page = compliance.get(f"/desk/case/{case.public_id}").content.decode()
    assert "platform id reporter-secret-42" in page
    assert "Decide" in page
    assert 'data-confirm="confirm-removed_post"' not in page  # compliance reads, never acts
    assert "Your role can read cases, not act on them." in page


def test_auditor_cannot_open_the_desk(actor: Actor) -> None:
    case = report(actor, "p1")
    auditor = login(actor, "auditor")
    r = auditor.get(f"/desk/case/{case.public_id}")
    assert r.status_code == 403
    assert b"Your role can" in r.content
    assert auditor.get("/desk/").status_code == 403


def test_case_page_shows_reach_and_account(actor: Actor, moderator: Client) -> None:
    ingest_events(
        events=[
            {
                "id": "e1",
                "type": "account.created",
                "occurred_at": "2026-01-01T00:00:00Z",
                "data": {
                    "account_id": "acct-9",
                    "handle": "seller",
                    "created_at": "2026-01-01T00:00:00Z",
                },
            },
            {
                "id": "e2",
                "type": "post.created",
                "occurred_at": "2026-01-02T00:00:00Z",
                "data": {"post_id": "p9", "account_id": "acct-9", "text": "hello"},
            },
            *[
                {
                    "id": f"m{n}",
                    "type": "post.metrics",
                    "occurred_at": f"2026-01-02T0{n}:00:00Z",
                    "data": {"post_id": "p9", "views": 1000 * n * n, "reshares": 10 * n},
                }
                for n in range(1, 5)
            ],
        ],
        actor=actor,
    )
    case = report(actor, "p9")
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert "@seller" in page
    assert "16000" in page  # the latest views
    assert "<polyline points=" in page


def test_reveal_records_the_view_then_returns_the_media(actor: Actor, moderator: Client) -> None:
    posted(actor, "p1", jpeg(photo("coffee")))
    case = report(actor, "p1")
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert "wellness" in page  # blurred and greyscale by default
    assert "reveal it before deciding" in page
    r = moderator.post(f"/desk/case/{case.public_id}/reveal", {"media_id": "m-p1"}, headers=HX)
    assert r.status_code == 200
    assert "did not provide a viewable copy" in r.content.decode()
    assert 'id="decisions" aria-labelledby="decide-title" hx-swap-oob="true"' in r.content.decode()
    view = MediaView.objects.get()
    assert (view.media_id, view.viewer) == ("m-p1", "user:moderator-1")
    assert AuditEvent.objects.filter(action="case.media_view", subject_id=case.public_id).exists()
    missing = moderator.post(f"/desk/case/{case.public_id}/reveal", {"media_id": "x"}, headers=HX)
    assert missing.status_code == 404
    assert MediaView.objects.count() == 1


def test_the_platforms_copy_is_sent_only_after_the_reveal(actor: Actor, moderator: Client) -> None:
    from shieldwall.subjects.services import ingest_events

    register(actor, media_hosts=["tidepool.example"])
    posted(actor, "p1", jpeg(photo("coffee")))
    url = "https://tidepool.example/media/m-p1"
    ingest_events(
        events=[
            {
                "id": "e-media",
                "type": "media.attached",
                "occurred_at": "2026-11-26T10:00:00Z",
                "data": {"media_id": "m-p1", "post_id": "p1", "media_type": "image", "url": url},
            }
        ],
        actor=actor,
    )
    case = report(actor, "p1")
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert url not in page  # nothing of the media reaches the browser before the reveal
    r = moderator.post(f"/desk/case/{case.public_id}/reveal", {"media_id": "m-p1"}, headers=HX)
    assert f'src="{url}"' in r.content.decode()
    assert 'class="greyscale"' in r.content.decode()
    assert MediaView.objects.get().media_id == "m-p1"


@pytest.mark.parametrize(
    "url",
    [
        "https://tracker.evil.test/pixel.gif",  # not the platform's media host
        "https://tidepool.example@tracker.evil.test/m.jpg",
        "http://media.tidepool.example:8080/m.jpg",  # another port
    ],
)
def test_media_addresses_off_the_platforms_media_hosts_are_never_loaded(
    actor: Actor, moderator: Client, url: str
) -> None:
    register(actor)  # media hosts: media.tidepool.example only
    posted(actor, "p1", jpeg(photo("coffee")))
    ingest_events(
        events=[
            {
                "id": "e-media",
                "type": "media.attached",
                "occurred_at": "2026-11-26T10:00:00Z",
                "data": {"media_id": "m-p1", "post_id": "p1", "media_type": "image", "url": url},
            }
        ],
        actor=actor,
    )
    case = report(actor, "p1")
    r = moderator.post(f"/desk/case/{case.public_id}/reveal", {"media_id": "m-p1"}, headers=HX)
    page = r.content.decode()
    assert "tracker" not in page
    assert url not in page
    assert "did not provide a viewable copy" in page


def test_verified_match_can_be_actioned_without_viewing(actor: Actor, moderator: Client) -> None:
    image = jpeg(photo("chelsea"))
    banks.create_bank(
        name="verified", actor=actor, kind="verified_csam", action="block", reason="test list"
    )
    banks.add_media(bank_name="verified", data=image, actor=actor, reason="test list")
    posted(actor, "p1", image)
    case = report(actor, "p1")
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert "Matched a verified bank" in page
    assert "reveal it before deciding" not in page
    r = moderator.post(
        f"/desk/case/{case.public_id}/decide", {"decision": "removed_post"}, headers=HX
    )
    assert r.status_code == 200
    assert Case.objects.get().decision == "removed_post"
    assert not MediaView.objects.exists()


def test_each_action_calls_the_service_and_returns_the_panel(
    actor: Actor, moderator: Client
) -> None:
    case = report(actor, "p1")
    url = f"/desk/case/{case.public_id}"
    r = moderator.post(f"{url}/acknowledge", headers=HX)
    assert r.status_code == 200
    assert '<aside class="case-side" id="work"' in r.content.decode()
    assert Case.objects.get().state == "acknowledged"
    moderator.post(f"{url}/assign", {"assignee": "me"}, headers=HX)
    assert Case.objects.get().assignee.username == "moderator-1"
    r = moderator.post(f"{url}/comment", {"text": "Looks like the placeholder tag."}, headers=HX)
    assert "Looks like the placeholder tag." in r.content.decode()
    assert CaseComment.objects.count() == 1
    r = moderator.post(f"{url}/decide", {"decision": "removed_post", "note": "n"}, headers=HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Post removed" in html
    assert 'hx-swap-oob="innerHTML"' in html  # the message goes to the live region
    closed = Case.objects.get()
    assert (closed.state, closed.decision) == ("closed", "removed_post")
    assert Action.objects.filter(kind="remove_post", subject_id="p1").exists()
    actions = set(
        AuditEvent.objects.filter(subject_id=case.public_id).values_list("action", flat=True)
    )
    assert {"case.acknowledge", "case.assign", "case.comment", "case.decide"} <= actions
    again = moderator.post(f"{url}/decide", {"decision": "no_violation"}, headers=HX)
    assert again.status_code == 409
    assert again["HX-Retarget"] == "#flash"


def test_escalate_and_next_case(actor: Actor, moderator: Client) -> None:
    first = report(actor, "p1")
    second = report(actor, "p2")
    r = moderator.post(
        f"/desk/case/{first.public_id}/escalate", {"note": "Need a lead"}, headers=HX
    )
    assert Case.objects.get(pk=first.pk).state == "escalated"
    assert "Escalated: a lead decides" in r.content.decode()
    lead = login(actor, "lead")
    r = lead.post(f"/desk/case/{first.public_id}/decide", {"decision": "no_violation"}, headers=HX)
    assert f'href="/desk/case/{second.public_id}"' in r.content.decode()
    assert "Next case" in r.content.decode()


def test_a_decision_that_does_not_fit_is_refused(actor: Actor, moderator: Client) -> None:
    case = report(actor, "p1")
    r = moderator.post(
        f"/desk/case/{case.public_id}/decide", {"decision": "suppressed_hashtag"}, headers=HX
    )
    assert r.status_code == 422
    assert b"This post has no hashtags to suppress." in r.content
    r = moderator.post(
        f"/desk/case/{case.public_id}/decide", {"decision": "limited_post"}, headers=HX
    )
    assert r.status_code == 422
    assert b"does not apply" in r.content
    assert moderator.post(f"/desk/case/{case.public_id}/frobnicate", headers=HX).status_code == 422


def test_triage_trying_to_decide_gets_403(actor: Actor) -> None:
    case = report(actor, "p1")
    triage = login(actor, "triage")
    page = triage.get(f"/desk/case/{case.public_id}").content.decode()
    assert 'data-confirm="confirm-removed_post"' not in page
    assert 'data-confirm="escalate-dialog"' in page
    r = triage.post(f"/desk/case/{case.public_id}/decide", {"decision": "removed_post"}, headers=HX)
    assert r.status_code == 403
    assert b"not allowed" in r.content
    plain = triage.post(f"/desk/case/{case.public_id}/decide", {"decision": "removed_post"})
    assert plain.status_code == 403
    assert b"Your role can" in plain.content
    assert Case.objects.get().state == "open"


def test_bulk_is_refused_for_a_moderator_and_works_for_a_lead(
    actor: Actor, moderator: Client
) -> None:
    ids = [report(actor, f"p{n}", SPAM).public_id for n in range(3)]
    assert "Apply to selected" not in moderator.get("/desk/").content.decode()
    r = moderator.post("/desk/bulk", {"case_ids": ids, "decision": "no_violation"}, headers=HX)
    assert r.status_code == 403
    assert set(Case.objects.values_list("state", flat=True)) == {"open"}
    lead = login(actor, "lead")
    assert "Apply to selected" in lead.get("/desk/").content.decode()
    r = lead.post("/desk/bulk", {"case_ids": ids[:2], "decision": "no_violation"}, headers=HX)
    assert r.status_code == 200
    assert "2 cases closed: No violation." in r.content.decode()
    assert r["HX-Trigger"] == "counts-changed"
    assert ids[2] in r.content.decode()  # the queue, refreshed
    assert Case.objects.filter(state="closed").count() == 2
