"""A decision the platform did not apply never stays on the desk as done: it comes back."""

from __future__ import annotations

import pytest
from django.test import Client

from shieldwall.cases import services as cases
from shieldwall.cases.followup import follow_up_refused
from shieldwall.cases.models import Case, CaseComment, CaseState
from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.integrations import services as integrations
from shieldwall.integrations.models import Action, Delivery, DeliveryStatus, WebhookEndpoint
from shieldwall.reports.models import Report, ReportStatus
from tests.cases.test_cases import SPAM, report
from tests.cases.test_desk import login

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cases.test_desk")]


def _removed(actor: Actor, post: str = "p1") -> tuple[Case, Action]:
    case = report(actor, post, SPAM)
    cases.decide(case_id=case.public_id, decision="removed_post", actor=actor)
    action = Action.objects.get(kind="remove_post", subject_id=post)
    assert action.origin == f"case:{case.public_id}"
    return Case.objects.get(pk=case.pk), action


def _page(client: Client, case: Case) -> str:
    return client.get(f"/desk/case/{case.public_id}").content.decode()


def test_an_ignored_removal_is_said_on_the_desk_and_the_case_comes_back(actor: Actor) -> None:
    case, action = _removed(actor)
    moderator = login(actor, "moderator")
    assert "sent; the platform has not confirmed it yet" in _page(moderator, case)
    integrations.ack_action(
        action_id=action.public_id, status="ignored", detail="no post p1", actor=actor
    )
    page = _page(moderator, case)
    assert "not applied on the platform (no post p1)" in page  # never just "Post removed"
    assert follow_up_refused() == 1
    case.refresh_from_db()
    assert (case.state, case.decision, case.closed_at) == (CaseState.ESCALATED, "", None)
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.IN_REVIEW}
    note = CaseComment.objects.get(case=case).text
    assert "Post removed" in note
    assert "ignored: no post p1" in note
    assert AuditEvent.objects.filter(action="case.platform_refused").count() == 1
    assert follow_up_refused() == 0  # once per refused action
    assert CaseComment.objects.filter(case=case).count() == 1


def test_an_applied_removal_says_so_and_stays_closed(actor: Actor) -> None:
    case, action = _removed(actor)
    integrations.ack_action(action_id=action.public_id, status="applied", actor=actor)
    assert "applied on the platform" in _page(login(actor, "moderator"), case)
    assert follow_up_refused() == 0
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED


def test_a_removal_that_never_reached_the_platform_comes_back(actor: Actor) -> None:
    WebhookEndpoint.objects.create(url="https://receiver.example/hook", secret="whsec_x")
    case, action = _removed(actor)
    Delivery.objects.filter(action=action).update(status=DeliveryStatus.DEAD)
    assert follow_up_refused() == 1
    case.refresh_from_db()
    assert case.state == CaseState.ESCALATED
    assert "never reached the platform" in CaseComment.objects.get(case=case).text


def test_a_pending_delivery_is_not_a_refusal(actor: Actor) -> None:
    WebhookEndpoint.objects.create(url="https://receiver.example/hook", secret="whsec_x")
    _removed(actor)
    assert follow_up_refused() == 0


def test_with_a_newer_case_open_on_the_post_the_refusal_is_noted_there_is_no_second_case(
    actor: Actor,
) -> None:
    case, action = _removed(actor)
    newer = report(actor, "p1", SPAM, reporter="u2")
    assert newer.pk != case.pk
    assert newer.is_open
    integrations.ack_action(action_id=action.public_id, status="failed", actor=actor)
    assert follow_up_refused() == 1
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED  # one open case per subject: the newer one goes on
    assert action.public_id in case.platform_refusals
    assert "answered failed" in CaseComment.objects.get(case=case).text
