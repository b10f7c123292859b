"""Decisions the platform did not apply come back to the desk.

A case closed as "Post removed" whose post is still up would tell moderators and reporters
something that did not happen. The worker looks, every round, for actions a case issued that
the platform acknowledged as ignored or failed, or that no delivery could bring to it, and
reopens the case as escalated (its reports back in review) with a comment naming what the
platform said, so a lead decides again. Each refused action is followed up once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from shieldwall.cases.events import CaseEvent
from shieldwall.cases.models import Case, CaseComment, CaseState
from shieldwall.cases.services import ORIGIN_PREFIX
from shieldwall.core import audit
from shieldwall.core.actors import SYSTEM
from shieldwall.integrations.queries import ActionState, refused_actions
from shieldwall.reports.models import Report
from shieldwall.reports.services import mark_in_review

# Refusals of actions older than this are no longer looked for (they were followed up then).
LOOK_BACK = timedelta(days=14)


def _why(action: ActionState) -> str:
    if action.ack_status:
        said = f"the platform answered {action.ack_status}"
        return f"{said}: {action.ack_detail}" if action.ack_detail else said
    return "it never reached the platform (every delivery is dead)"


def follow_up_refused(*, now: datetime | None = None) -> int:
    """Reopen closed cases whose actions the platform did not apply; return how many cases."""
    now = now or timezone.now()
    by_case: dict[str, list[ActionState]] = defaultdict(list)
    for action in refused_actions(origin_prefix=ORIGIN_PREFIX, since=now - LOOK_BACK):
        by_case[action.origin.removeprefix(ORIGIN_PREFIX)].append(action)
    followed = 0
    for public_id, actions in by_case.items():
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(public_id=public_id).first()
            if case is None:
                continue
            fresh = [a for a in actions if a.public_id not in case.platform_refusals]
            if not fresh:
                continue
            _follow_up(case, fresh)
        followed += 1
    return followed


def _follow_up(case: Case, refused: list[ActionState]) -> None:
    lines = [f"{a.kind_label} of {a.subject_type} {a.subject_id}: {_why(a)}." for a in refused]
    reopened = False
    if case.state == CaseState.CLOSED and case.decision:
        decided = case.get_decision_display()
        case.state, case.decision, case.closed_at = CaseState.ESCALATED, "", None
        try:
            with transaction.atomic():
                case.save(update_fields=["state", "decision", "closed_at", "updated_at"])
            reopened = True
        except IntegrityError:  # another case about the subject is open: it carries on there
            case.refresh_from_db()
        if reopened:
            mark_in_review(Report.objects.filter(case_link__case=case))
            lines.insert(0, f"Reopened: the decision “{decided}” did not take on the platform.")
    case.platform_refusals = [*case.platform_refusals, *(a.public_id for a in refused)]
    case.save(update_fields=["platform_refusals", "updated_at"])
    CaseComment.objects.create(case=case, author=SYSTEM.label, text=" ".join(lines)[:5000])
    audit.record(
        actor=SYSTEM,
        action=CaseEvent.PLATFORM_REFUSED,
        subject_type="case",
        subject_id=case.public_id,
        data={
            "reopened": reopened,
            "actions": [
                [a.public_id, a.kind, a.subject_id, a.ack_status or "dead"] for a in refused
            ],
        },
    )
