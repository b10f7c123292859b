"""The verbs of term rules, and the checks the API, the command line and the desk call.

FOUNDATION: the signatures below are what other apps call (cases: a decision makes a rule;
discovery: an approved suggestion makes one, and it reads the matcher). The rules work fills
in caching, the sweep of seen tags and the interstitial.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from shieldwall.core import audit
from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import NotFound, ServiceError
from shieldwall.terms.events import TermEvent
from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource
from shieldwall.terms.matcher import Matcher, QueryVerdict, Rule, TagVerdict
from shieldwall.terms.models import TermRule
from shieldwall.terms.normalise import normaliser_version, term_key
from shieldwall.terms.permissions import MANAGE_RULES


def add_rule(
    *,
    term: str,
    actor: Actor,
    reason: str,
    match: MatchKind = MatchKind.EXACT,
    effect: RuleEffect = RuleEffect.BLOCK,
    source: RuleSource = RuleSource.STAFF,
    case_id: str = "",
) -> TermRule:
    """Add one rule (audited). A rule already active for the same key, match and effect is
    returned as it is, so a second decision on the same tag changes nothing."""
    # A case decision's caller has checked its own decide permission (moderators decide
    # cases without holding terms.manage_rules); every other source needs MANAGE_RULES.
    if source != RuleSource.CASE:
        require(actor, MANAGE_RULES)
    key = term_key(term)
    if not key:
        raise ServiceError("empty_term", "the term has no letters or digits", field="term")
    with transaction.atomic():
        existing = TermRule.objects.filter(
            key=key, match=match, effect=effect, removed_at__isnull=True
        ).first()
        if existing is not None:
            return existing
        rule = TermRule.objects.create(
            term=term,
            key=key,
            normaliser_version=normaliser_version(),
            match=match,
            effect=effect,
            source=source,
            reason=reason,
            case_id=case_id,
            created_by=actor.label,
            created_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action=TermEvent.RULE_ADDED,
            subject_type="term_rule",
            subject_id=rule.pk,
            data={"term": term, "key": key, "match": match, "effect": effect, "reason": reason},
        )
    return rule


def remove_rule(*, rule_id: int, actor: Actor, reason: str) -> TermRule:
    """Remove one active rule (audited)."""
    require(actor, MANAGE_RULES)
    with transaction.atomic():
        rule = TermRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None or rule.removed_at is not None:
            raise NotFound("no_such_rule", f"no active rule {rule_id}")
        rule.removed_at = timezone.now()
        rule.removed_by = actor.label
        rule.removed_reason = reason
        rule.save(update_fields=["removed_at", "removed_by", "removed_reason"])
        audit.record(
            actor=actor,
            action=TermEvent.RULE_REMOVED,
            subject_type="term_rule",
            subject_id=rule.pk,
            data={"term": rule.term, "reason": reason},
        )
    return rule


def current_matcher() -> Matcher:
    """The active rules, compiled."""
    rules = [
        Rule(id=r.pk, term=r.term, key=r.key, match=MatchKind(r.match), effect=RuleEffect(r.effect))
        for r in TermRule.objects.filter(removed_at__isnull=True).order_by("pk")
    ]
    return Matcher(rules)


def check_tags(tags: Sequence[str]) -> list[TagVerdict]:
    """The verdict on each tag, in order (adjacent tags are also read together)."""
    return current_matcher().check_tags(tags)


def check_query(query: str) -> QueryVerdict:
    """The verdict on one free-text search query."""
    return current_matcher().check_query(query)
