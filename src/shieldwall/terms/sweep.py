"""The sweep of seen hashtags: every tag of the platform's posts that a rule catches gets one
`suppress_hashtag` action for its exact spelling, and loses it when no rule catches it.

The worker's `tag-sweep` loop (terms/jobs.py) runs `sweep_step`: new Hashtag rows after a
cursor that never goes back, and, whenever the rules change, a re-sweep of the tags seen
before, one batch a round beside the new ones (a new rule sweeps the tags already seen; a
removed rule lifts the suppression of the tags no other rule catches). The record of each
suppression (`TagSuppression`) makes it idempotent across rounds and workers.
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
            state.rules_version = version
            state.resweep_at, state.resweep_until = 0, state.cursor
        # New tags first, against the rules as they are now: they never wait behind a
        # re-sweep of the old ones.
        tags = hashtags_since(state.cursor, limit=batch)
        if tags:
            done += _suppress_caught(matcher, [name for _, name in tags])
            state.cursor = tags[-1][0]
        old: list[tuple[int, str]] = []
        if state.resweep_at is not None:
            old = [
                t
                for t in hashtags_since(state.resweep_at, limit=batch)
                if t[0] <= state.resweep_until
            ]
            if old:
                done += _suppress_caught(matcher, [name for _, name in old])
            if not old or old[-1][0] >= state.resweep_until:
                state.resweep_at = None
            else:
                state.resweep_at = old[-1][0]
        if moved or tags or old:
            state.updated_at = timezone.now()
            state.save()
    return done + len(tags) + len(old)


def _suppress_caught(matcher: Matcher, names: list[str]) -> int:
    """Suppress each of these spellings a rule catches and nothing holds yet; -> how many."""
    held = set(
        TagSuppression.objects.filter(lifted_at__isnull=True, hashtag__in=names).values_list(
            "hashtag", flat=True
        )
    )
    sent = 0
    for name, verdict in zip(names, matcher.check_many(names), strict=True):
        if verdict.rule is not None and verdict.suppressed and name not in held:
            _suppress(name, verdict.rule.id)
            held.add(name)
            sent += 1
    return sent


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
