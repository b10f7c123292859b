"""The worker's housekeeping thread escalates cases near their deadline."""

import threading
import time
from datetime import timedelta

import pytest

from shieldwall.cases.models import Case, CaseState
from shieldwall.core.actors import Actor
from tests.cases.test_cases import SPAM, report
from tests.worker_support import run_chores


@pytest.mark.django_db(transaction=True)
def test_housekeeping_escalates_cases_near_their_deadline(actor: Actor) -> None:
    case = report(actor, "p1", SPAM)
    window = case.deadline_at - case.opened_at
    Case.objects.filter(pk=case.pk).update(
        opened_at=case.opened_at - window, deadline_at=case.deadline_at - window
    )
    stop = threading.Event()
    chores = threading.Thread(target=run_chores, args=(stop, 0.05))
    chores.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if Case.objects.get(pk=case.pk).state == CaseState.ESCALATED:
            break
        time.sleep(0.05)
    stop.set()
    chores.join(timeout=5)
    assert Case.objects.get(pk=case.pk).state == CaseState.ESCALATED
    assert window > timedelta(0)


@pytest.mark.django_db(transaction=True)
def test_housekeeping_brings_back_a_decision_the_platform_ignored(actor: Actor) -> None:
    from shieldwall.cases import services as cases
    from shieldwall.integrations import services as integrations
    from shieldwall.integrations.models import Action

    case = report(actor, "p1", SPAM)
    cases.decide(case_id=case.public_id, decision="removed_post", actor=actor)
    action = Action.objects.get(kind="remove_post")
    integrations.ack_action(action_id=action.public_id, status="ignored", actor=actor)
    stop = threading.Event()
    chores = threading.Thread(target=run_chores, args=(stop, 0.05))
    chores.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if Case.objects.get(pk=case.pk).state == CaseState.ESCALATED:
            break
        time.sleep(0.05)
    stop.set()
    chores.join(timeout=5)
    assert Case.objects.get(pk=case.pk).state == CaseState.ESCALATED
