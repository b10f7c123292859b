"""The desk tells the truth: where each action stands with the platform, and the posts that a
removal takes, each shown and chosen."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest
from django.test import Client

from shieldwall.banks.models import BankEntry
from shieldwall.cases.models import Case, MediaView
from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.core.staff import create_staff_user
from shieldwall.integrations import outbox, services
from shieldwall.integrations.models import Action, Delivery, DeliveryStatus
from shieldwall.subjects.services import ingest_events
from tests.cases.test_cases import SPAM, posted, report
from tests.integrations.receiver import Receiver
from tests.photos import jpeg, photo
from tests.subjects.platform import register

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
PASSWORD = "a-long-desk-password-2"


@pytest.fixture
def moderator(actor: Actor) -> Client:
    create_staff_user(username="mo", roles=["moderator"], actor=actor, password=PASSWORD)
    client = Client()
    assert client.login(username="mo", password=PASSWORD)
    return client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def _register(receiver: Receiver, actor: Actor) -> None:
    _, secret = services.add_endpoint(url=receiver.url, actor=actor)
    receiver.secrets.append(secret)


def _action_cells(html: str) -> list[tuple[str, str]]:
    """(delivery, platform says) of each row of the actions table, as text."""
    rows = re.findall(r'<tr data-action="[^"]+">(.*?)</tr>', html, re.S)
    out = []
    for row in rows:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        out.append((" ".join(cells[3].split()), " ".join(cells[4].split())))
    return out


def _remove(moderator: Client, case: Case, **data: object) -> object:
    return moderator.post(
        f"/desk/case/{case.public_id}/decide", {"decision": "removed_post", **data}, headers=HX
    )


def test_without_a_webhook_the_desk_waits_for_the_pull_then_shows_the_ack(
    actor: Actor, moderator: Client
) -> None:
    case = report(actor, "p1")
    _remove(moderator, case)
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert _action_cells(page) == [
        ("no webhook: waiting for the platform to pull it", "not yet acknowledged")
    ]
    action = Action.objects.get(kind="remove_post")
    services.ack_action(action_id=action.public_id, status="applied", actor=actor)
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert _action_cells(page) == [("pulled by the platform", "applied")]


def test_delivered_and_acknowledged_in_the_webhook_answer(
    actor: Actor, moderator: Client, receiver: Receiver
) -> None:
    _register(receiver, actor)
    receiver.answer = json.dumps({"status": "ignored", "detail": "no post p1"}).encode()
    case = report(actor, "p1")
    _remove(moderator, case)
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert _action_cells(page) == [("waiting to be sent", "not yet acknowledged")]
    assert 'hx-trigger="every 3s' in page  # the page keeps an unsettled action fresh
    assert outbox.deliver_due(10) == 1
    fragment = moderator.get(f"/desk/case/{case.public_id}/actions", headers=HX)
    html = fragment.content.decode()
    assert _action_cells(html) == [("delivered", "ignored: no post p1")]
    assert "<html" not in html
    assert "hx-trigger" not in html  # settled: no more polling


def test_retrying_then_dead_with_the_last_error(
    actor: Actor, moderator: Client, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "BACKOFF_BASE", 0.001)
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 2)
    _register(receiver, actor)
    receiver.status = 503
    case = report(actor, "p1")
    _remove(moderator, case)
    outbox.deliver_due(10)
    url = f"/desk/case/{case.public_id}/actions"
    assert _action_cells(moderator.get(url).content.decode()) == [
        ("retrying (attempt 1 failed, last error HTTP 503)", "not yet acknowledged")
    ]
    deadline = time.monotonic() + 10
    while Delivery.objects.get().status != DeliveryStatus.DEAD:
        assert time.monotonic() < deadline
        outbox.deliver_due(10)
        time.sleep(0.01)
    html = moderator.get(url).content.decode()
    assert _action_cells(html) == [
        ("dead after 2 attempts, last error HTTP 503", "not yet acknowledged")
    ]
    assert "hx-trigger" not in html


def test_the_actions_fragment_needs_a_desk_role(actor: Actor) -> None:
    case = report(actor, "p1")
    assert Client().get(f"/desk/case/{case.public_id}/actions").status_code == 302
    create_staff_user(username="au", roles=["auditor"], actor=actor, password=PASSWORD)
    auditor = Client()
    auditor.login(username="au", password=PASSWORD)
    assert auditor.get(f"/desk/case/{case.public_id}/actions").status_code == 403


# --- posts reported with the case ------------------------------------------------------------


def _world(actor: Actor) -> None:
    """An account with three posts, another account with one; p2 carries a photo."""
    events: list[dict[str, object]] = [
        {
            "id": f"acct-{a}",
            "type": "account.created",
            "occurred_at": "2026-01-01T00:00:00Z",
            "data": {"account_id": a, "handle": h},
        }
        for a, h in (("acct-1", "seller"), ("acct-2", "bystander"))
    ]
    for post, account, text in (
        ("p1", "acct-1", "the main post #placeholdertag"),
        ("p2", "acct-1", "second offer #placeholdertag"),
        ("p3", "acct-1", "third offer"),
        ("p9", "acct-2", "an unrelated post"),
    ):
        events.append(
            {
                "id": f"post-{post}",
                "type": "post.created",
                "occurred_at": "2026-01-02T00:00:00Z",
                "data": {"post_id": post, "account_id": account, "text": text},
            }
        )
    events.append(
        {
            "id": "metrics-p2",
            "type": "post.metrics",
            "occurred_at": "2026-01-02T01:00:00Z",
            "data": {"post_id": "p2", "views": 4321, "reshares": 12},
        }
    )
    events.append(
        {
            "id": "media-p2",
            "type": "media.attached",
            "occurred_at": "2026-01-02T00:00:00Z",
            "data": {
                "media_id": "m-p2",
                "post_id": "p2",
                "media_type": "image",
                "url": "https://tidepool.example/media/m-p2",
            },
        }
    )
    ingest_events(events=events, actor=actor)
    posted(actor, "p2", jpeg(photo("coffee")))


def test_also_reported_posts_are_shown_like_the_main_post(actor: Actor, moderator: Client) -> None:
    register(actor, media_hosts=["tidepool.example"])  # the desk loads media from these only
    _world(actor)
    case = report(actor, "p1", SPAM, additional_posts=["p2", "p3", "p9"])
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert "Also reported" in page
    for text in ("second offer #placeholdertag", "third offer", "an unrelated post"):
        assert text in page
    assert page.count("by <strong>@seller</strong>") >= 2
    assert "@bystander" in page
    assert "another account" in page  # p9 is not the case's account's post
    assert "4321" in page  # p2's reach
    assert "https://tidepool.example/media/m-p2" not in page  # blurred, no URL before reveal
    assert "wellness" in page
    boxes = re.findall(r'<input type="checkbox" name="post_ids" value="([^"]+)"[^>]*>', page)
    assert boxes == ["p2", "p3", "p9"]
    assert all(
        "checked" in b for b in re.findall(r'<input type="checkbox" name="post_ids"[^>]*>', page)
    )
    assert 'name="choose_posts"' in page
    assert "every reported copy" not in page  # the dialog lists what it removes instead
    r = moderator.post(f"/desk/case/{case.public_id}/reveal", {"media_id": "m-p2"}, headers=HX)
    assert r.status_code == 200
    assert 'src="https://tidepool.example/media/m-p2"' in r.content.decode()
    assert MediaView.objects.get().media_id == "m-p2"


def test_remove_post_takes_only_the_posts_left_ticked(actor: Actor, moderator: Client) -> None:
    _world(actor)
    case = report(actor, "p1", SPAM, additional_posts=["p2", "p3", "p9"])
    r = _remove(moderator, case, choose_posts="1", post_ids=["p2", "p3"])
    assert r.status_code == 200, r.content  # type: ignore[attr-defined]
    removed = set(Action.objects.filter(kind="remove_post").values_list("subject_id", flat=True))
    assert removed == {"p1", "p2", "p3"}  # p9 was unticked
    decided = AuditEvent.objects.get(action="case.decide", subject_id=case.public_id)
    assert decided.data["posts"] == ["p1", "p2", "p3"]
    # p2's photo went into the platform-removed bank with it.
    assert BankEntry.objects.filter(bank__name="platform-removed", signal_type="pdq").exists()


def test_unticking_every_post_removes_the_main_post_alone(actor: Actor, moderator: Client) -> None:
    _world(actor)
    case = report(actor, "p1", SPAM, additional_posts=["p2", "p3"])
    _remove(moderator, case, choose_posts="1")
    assert list(Action.objects.values_list("subject_id", flat=True)) == ["p1"]
    assert not BankEntry.objects.filter(bank__name="platform-removed", signal_type="pdq").exists()


def test_a_post_not_in_the_case_is_refused(actor: Actor, moderator: Client) -> None:
    _world(actor)
    case = report(actor, "p1", SPAM, additional_posts=["p2"])
    r = _remove(moderator, case, choose_posts="1", post_ids=["p2", "p9"])
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert b"not part of this case" in r.content  # type: ignore[attr-defined]
    assert not Action.objects.exists()
    assert Case.objects.get().is_open


def test_without_a_choice_every_post_of_the_case_goes(actor: Actor) -> None:
    from shieldwall.cases import services as cases

    _world(actor)
    case = report(actor, "p1", SPAM, additional_posts=["p2", "p3"])
    cases.bulk_decide(case_ids=[case.public_id], decision="removed_post", actor=actor)
    removed = set(Action.objects.filter(kind="remove_post").values_list("subject_id", flat=True))
    assert removed == {"p1", "p2", "p3"}


def test_media_of_a_post_outside_the_case_cannot_be_revealed(
    actor: Actor, moderator: Client
) -> None:
    _world(actor)
    case = report(actor, "p1", SPAM, additional_posts=["p3"])
    r = moderator.post(f"/desk/case/{case.public_id}/reveal", {"media_id": "m-p2"}, headers=HX)
    assert r.status_code == 404
    assert not MediaView.objects.exists()


# --- shortcuts -------------------------------------------------------------------------------


def _keys(html: str) -> set[str]:
    return set(re.findall(r'<tr data-shortcut="([^"]+)">', html))


def test_shortcuts_listed_are_the_ones_this_page_and_role_have(
    actor: Actor, moderator: Client
) -> None:
    case = report(actor, "p1")
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert _keys(page) == {"r", "s", "n", "e", "a", "c", "gq", "?", "Esc"}  # no media: no m, v
    for key in _keys(page) - {"gq", "?", "Esc"}:
        assert f'data-key="{key}"' in page  # each listed key has its control on the page
    assert "h" not in _keys(page)
    r = moderator.post(f"/desk/case/{case.public_id}/assign", {"assignee": "me"}, headers=HX)
    assert 'id="page-keys" hx-swap-oob="true"' in r.content.decode()
    assert "a" not in _keys(r.content.decode())  # assigned to me: the key is gone with its button
    create_staff_user(username="tr", roles=["triage"], actor=actor, password=PASSWORD)
    triage = Client()
    triage.login(username="tr", password=PASSWORD)
    assert _keys(triage.get(f"/desk/case/{case.public_id}").content.decode()) == {
        "e",
        "gq",
        "?",
        "Esc",
    }
    assert _keys(triage.get("/desk/").content.decode()) == {"j/k", "Enter", "/", "gq", "?", "Esc"}
    create_staff_user(username="le", roles=["lead"], actor=actor, password=PASSWORD)
    lead = Client()
    lead.login(username="le", password=PASSWORD)
    assert "x" in _keys(lead.get("/desk/").content.decode())  # leads select cases in bulk
