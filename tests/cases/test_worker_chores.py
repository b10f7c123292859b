"""The worker's housekeeping thread escalates cases near their deadline."""

import threading
import time
from datetime import timedelta

import pytest

from shieldwall.cases.models import Case, CaseState
from shieldwall.cli import _housekeeping
from shieldwall.core.actors import Actor
from tests.cases.test_cases import SPAM, report


@pytest.mark.django_db(transaction=True)
def test_housekeeping_escalates_cases_near_their_deadline(actor: Actor) -> None:
    case = report(actor, "p1", SPAM)
    window = case.deadline_at - case.opened_at
    Case.objects.filter(pk=case.pk).update(
        opened_at=case.opened_at - window, deadline_at=case.deadline_at - window
    )
    stop = threading.Event()
    chores = threading.Thread(target=_housekeeping, args=(stop, 0.05))
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
