"""Discovery's verbs and reads: the graph kept up to date, tags scored into suggestions,
staff's review of them (approve makes a term rule, reject teaches the ranking), and the
accounts found for review.

Every staff verb checks the actor's permission, runs in one transaction and is audited. The
desk (discoverydesk) calls `suggestions`, `suggestion`, `approve`, `reject`,
`account_leads` and `account_lead`; the worker calls `update_graph`, `score_tags` and
`find_accounts` (see jobs.py); each can be run on demand too.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from shieldwall.core import audit
from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import Conflict, Invalid, NotFound
from shieldwall.discovery import graph, leads, scoring
from shieldwall.discovery.events import DiscoveryEvent
from shieldwall.discovery.kinds import SuggestionState
from shieldwall.discovery.models import AccountLead, TagSuggestion
from shieldwall.discovery.permissions import REVIEW_SUGGESTIONS, VIEW_DISCOVERY
from shieldwall.terms import services as terms
from shieldwall.terms.kinds import MatchKind, RuleSource
from shieldwall.terms.permissions import MANAGE_RULES

MAX_LIMIT = 500
MAX_REASON = 2000


def update_graph(*, limit: int = graph.BATCH) -> int:
    """Take the next batch of hashtag uses into the graph; return how many were read."""
    return graph.update(limit=limit)


def score_tags(*, now: datetime | None = None) -> int:
    """Score every candidate tag against the blocked ones and refresh the open suggestions;
    return how many are open."""
    return scoring.score_tags(now=now)


def find_accounts(*, now: datetime | None = None, max_cases: int | None = None) -> int:
    """Rank accounts close to blocked tags and removed content, and open review cases for
    the top ones (at most `max_cases`, never a second while one is open); return how many
    cases were opened. Nothing is suspended or removed: staff decide."""
    return leads.find_accounts(now=now, max_cases=max_cases)


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid("bad_limit", f"limit must be 1..{MAX_LIMIT}", field="limit")
    return limit


def suggestions(
    state: str = SuggestionState.OPEN, limit: int = 50, *, actor: Actor | None = None
) -> list[TagSuggestion]:
    """Suggestions in one state, best first (open and approved by score, rejected newest
    first). With `actor`, checks that they may see them."""
    if actor is not None:
        require(actor, VIEW_DISCOVERY)
    if state not in SuggestionState.values:
        raise Invalid("bad_state", f"state must be one of {SuggestionState.values}", field="state")
    rows = TagSuggestion.objects.filter(state=state)
    order = ("-reviewed_at", "-pk") if state == SuggestionState.REJECTED else ("-score", "pk")
    return list(rows.order_by(*order)[: _limit(limit)])


def _id(suggestion_id: int | str) -> int:
    """A suggestion id as the desk or a command may pass it; Invalid unless a whole number."""
    try:
        value = int(str(suggestion_id).strip())
    except ValueError:
        raise Invalid("bad_id", "a suggestion id is a whole number", field="id") from None
    if not 1 <= value < 2**63:
        raise NotFound("no_such_suggestion", f"no suggestion {value}")
    return value


def suggestion(suggestion_id: int | str, *, actor: Actor | None = None) -> TagSuggestion:
    """One suggestion by id (NotFound otherwise)."""
    if actor is not None:
        require(actor, VIEW_DISCOVERY)
    suggestion_id = _id(suggestion_id)
    found = TagSuggestion.objects.filter(pk=suggestion_id).first()
    if found is None:
        raise NotFound("no_such_suggestion", f"no suggestion {suggestion_id}")
    return found


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason_required", "a reason is required", field="reason")
    if len(reason) > MAX_REASON:
        raise Invalid("reason_too_long", f"at most {MAX_REASON} characters", field="reason")
    return reason


def _open_for_review(suggestion_id: int | str) -> TagSuggestion:
    suggestion_id = _id(suggestion_id)
    found = TagSuggestion.objects.select_for_update().filter(pk=suggestion_id).first()
    if found is None:
        raise NotFound("no_such_suggestion", f"no suggestion {suggestion_id}")
    if found.state != SuggestionState.OPEN:
        raise Conflict("already_reviewed", f"suggestion {suggestion_id} is {found.state}")
    return found


def approve(
    suggestion_id: int | str,
    *,
    actor: Actor,
    reason: str,
    match: MatchKind | str = MatchKind.EXACT,
) -> TagSuggestion:
    """Approve a suggested tag: a term rule (source "suggestion") blocks it from now on, the
    approval teaches the ranking, and both are audited. Needs discovery.review_suggestions
    and terms.manage_rules."""
    require(actor, REVIEW_SUGGESTIONS)
    require(actor, MANAGE_RULES)
    reason = _reason(reason)
    if match not in MatchKind.values:
        raise Invalid("bad_match", f"match must be one of {MatchKind.values}", field="match")
    with transaction.atomic():
        found = _open_for_review(suggestion_id)
        rule = terms.add_rule(
            term=found.tag,
            actor=actor,
            reason=reason,
            match=MatchKind(match),
            source=RuleSource.SUGGESTION,
        )
        _review(found, SuggestionState.APPROVED, actor, reason)
        found.rule_id = rule.pk
        found.save(update_fields=["rule_id"])
        weights = scoring.learn(found.features, label=True)
        audit.record(
            actor=actor,
            action=DiscoveryEvent.SUGGESTION_APPROVED,
            subject_type="tag_suggestion",
            subject_id=found.pk,
            data={
                "tag": found.tag,
                "rule_id": rule.pk,
                "match": str(match),
                "score": found.score,
                "features": found.features,
                "weights": weights,
                "reason": reason,
            },
        )
    return found


def reject(suggestion_id: int | str, *, actor: Actor, reason: str) -> TagSuggestion:
    """Reject a suggested tag: it is not suggested again unless its evidence grows well
    beyond what was rejected (`scoring.RESUGGEST_GROWTH`), the rejection teaches the
    ranking, and it is audited. Needs discovery.review_suggestions."""
    require(actor, REVIEW_SUGGESTIONS)
    reason = _reason(reason)
    with transaction.atomic():
        found = _open_for_review(suggestion_id)
        _review(found, SuggestionState.REJECTED, actor, reason)
        weights = scoring.learn(found.features, label=False)
        audit.record(
            actor=actor,
            action=DiscoveryEvent.SUGGESTION_REJECTED,
            subject_type="tag_suggestion",
            subject_id=found.pk,
            data={
                "tag": found.tag,
                "score": found.score,
                "support": found.support,
                "features": found.features,
                "weights": weights,
                "reason": reason,
            },
        )
    return found


def _review(found: TagSuggestion, state: str, actor: Actor, reason: str) -> None:
    found.state = state
    found.reviewed_by = actor.label
    found.reviewed_at = timezone.now()
    found.reason = reason
    found.save(update_fields=["state", "reviewed_by", "reviewed_at", "reason"])


def account_leads(limit: int = 50, *, actor: Actor | None = None) -> list[AccountLead]:
    """The accounts found, best first (those with a review case opened and those ranked)."""
    if actor is not None:
        require(actor, VIEW_DISCOVERY)
    return list(AccountLead.objects.order_by("-score", "pk")[: _limit(limit)])


def account_lead(account_id: str, *, actor: Actor | None = None) -> AccountLead:
    """One account lead by the platform's account id (NotFound otherwise)."""
    if actor is not None:
        require(actor, VIEW_DISCOVERY)
    found = AccountLead.objects.filter(account_id=account_id).first()
    if found is None:
        raise NotFound("no_such_lead", f"no account lead for {account_id}")
    return found


def ranking_weights() -> dict[str, float]:
    """The current feature weights of the tag ranking (defaults until staff reviewed)."""
    return scoring.current_weights()[0]
