"""Roles are enforced in the services: one test for each refusal."""

import pytest

from shieldwall.cases import services as cases
from shieldwall.cases.models import Case
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Forbidden
from shieldwall.core.roles import user_actor
from shieldwall.core.staff import create_staff_user
from shieldwall.reports.services import ReportIn, submit_report
from tests.cases.test_cases import CSE

pytestmark = pytest.mark.django_db


def staff(actor: Actor, role: str) -> Actor:
    user, _ = create_staff_user(username=f"{role}-user", roles=[role], actor=actor)
    return user_actor(user)


@pytest.fixture
def case(actor: Actor) -> Case:
    stored, _ = submit_report(
        report=ReportIn(
            idempotency_key="k",
            subject_type="post",
            subject_id="p1",
            has_media=True,
            path=list(CSE),
            fields={},
            reporter_id="u1",
        ),
        actor=actor,
    )
    cases.file_pending_reports()
    return Case.objects.get(case_reports__report=stored)


def test_triage_may_acknowledge_and_escalate(actor: Actor, case: Case) -> None:
    triage = staff(actor, "triage")
    cases.acknowledge(case_id=case.public_id, actor=triage)
    assert cases.escalate(case_id=case.public_id, actor=triage).state == "escalated"


def test_triage_may_not_decide(actor: Actor, case: Case) -> None:
    with pytest.raises(Forbidden):
        cases.decide(case_id=case.public_id, decision="removed_post", actor=staff(actor, "triage"))


def test_triage_may_not_comment_or_assign(actor: Actor, case: Case) -> None:
    triage = staff(actor, "triage")
    with pytest.raises(Forbidden):
        cases.comment(case_id=case.public_id, text="x", actor=triage)
    with pytest.raises(Forbidden):
        cases.assign(case_id=case.public_id, username=None, actor=triage)


def test_moderator_may_not_decide_an_escalated_case(actor: Actor, case: Case) -> None:
    moderator = staff(actor, "moderator")
    cases.escalate(case_id=case.public_id, actor=moderator)
    with pytest.raises(Forbidden, match="decided by a lead"):
        cases.decide(case_id=case.public_id, decision="removed_post", actor=moderator)
    lead = staff(actor, "lead")
    assert cases.decide(case_id=case.public_id, decision="removed_post", actor=lead).state == (
        "closed"
    )


def test_moderator_may_not_bulk_act(actor: Actor, case: Case) -> None:
    with pytest.raises(Forbidden):
        cases.bulk_decide(
            case_ids=[case.public_id], decision="no_violation", actor=staff(actor, "moderator")
        )
    assert (
        cases.bulk_decide(
            case_ids=[case.public_id], decision="no_violation", actor=staff(actor, "lead")
        )
        == 1
    )


def test_compliance_may_not_decide(actor: Actor, case: Case) -> None:
    with pytest.raises(Forbidden):
        cases.decide(
            case_id=case.public_id, decision="no_violation", actor=staff(actor, "compliance")
        )


def test_auditor_may_not_reveal_media_or_acknowledge(actor: Actor, case: Case) -> None:
    auditor = staff(actor, "auditor")
    with pytest.raises(Forbidden):
        cases.record_media_view(case_id=case.public_id, media_id="m", actor=auditor)
    with pytest.raises(Forbidden):
        cases.acknowledge(case_id=case.public_id, actor=auditor)
