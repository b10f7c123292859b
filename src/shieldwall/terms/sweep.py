"""The sweep of seen hashtags: every tag of the platform's posts that a rule catches gets one
`suppress_hashtag` action for its exact spelling, and loses it when no rule catches it.

The worker's `tag-sweep` loop (terms/jobs.py) runs `sweep_step`: new Hashtag rows after a
cursor, and all of them again whenever the rules change (a new rule sweeps the tags already
seen; a removed rule lifts the suppression of the tags no other rule catches). The record
of each suppression (`TagSuppression`) makes it idempotent across rounds and workers.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from shieldwall.core.actors import SYSTEM
from shieldwall.integrations import services as integrations
from shieldwall.integrations.kinds import ActionKind
from shieldwall.subjects.reads import hashtags_since
from shieldwall.terms import services
from shieldwall.terms.matcher import Matcher
from shieldwall.terms.models import TagSuppression, TagSweep, TermRule

BATCH = 1000
IDLE_SECONDS = 2.0
SUPPRESS_REASON = "term_rule"
LIFT_REASON = "term_rule_removed"


def sweep_step(batch: int = BATCH) -> int:
    """One round: -> tags read plus actions sent (0 when there was nothing to do)."""
    TagSweep.objects.get_or_create(pk=1)
    with transaction.atomic():  # the row lock keeps two workers from sweeping at once
        state = TagSweep.objects.select_for_update().get(pk=1)
        version, matcher = services.current_rules()
        done = 0
        moved = state.rules_version != version
        if moved:
            done += _recheck(matcher)
            state.cursor, state.rules_version = 0, version
        tags = hashtags_since(state.cursor, limit=batch)
        if tags:
            active = set(
                TagSuppression.objects.filter(
                    lifted_at__isnull=True, hashtag__in=[name for _, name in tags]
                ).values_list("hashtag", flat=True)
            )
            for _, name in tags:
                verdict = matcher.check_tag(name)
                if verdict.rule is not None and verdict.suppressed and name not in active:
                    _suppress(name, verdict.rule.id)
                    done += 1
            state.cursor = tags[-1][0]
        if moved or tags:
            state.updated_at = timezone.now()
            state.save()
    return done + len(tags)


def _suppress(name: str, rule_id: int) -> None:
    action = integrations.issue_action(
        kind=ActionKind.SUPPRESS_HASHTAG,
        subject_id=name,
        reason=SUPPRESS_REASON,
        actor=SYSTEM,
        origin=f"term_rule:{rule_id}",
    )
    TagSuppression.objects.create(
        hashtag=name, rule_id=rule_id, action_id=action.public_id, created_at=timezone.now()
    )


def _recheck(matcher: Matcher) -> int:
    """After a change of rules: lift the suppressions no rule holds up any more; -> lifted."""
    active_rules = set(
        TermRule.objects.filter(removed_at__isnull=True).values_list("pk", flat=True)
    )
    lifted = 0
    for row in TagSuppression.objects.select_for_update().filter(lifted_at__isnull=True):
        verdict = matcher.check_tag(row.hashtag)
        if verdict.suppressed and verdict.rule is not None:
            if row.rule_id not in active_rules:  # another rule catches it now
                row.rule_id = verdict.rule.id
                row.save(update_fields=["rule"])
            continue
        action = integrations.issue_action(
            kind=ActionKind.UNSUPPRESS_HASHTAG,
            subject_id=row.hashtag,
            reason=LIFT_REASON,
            actor=SYSTEM,
            origin=f"term_rule:{row.rule_id}",
        )
        row.lifted_at = timezone.now()
        row.lift_action_id = action.public_id
        row.save(update_fields=["lifted_at", "lift_action_id"])
        lifted += 1
    return lifted
