"""The verbs of term rules, and the checks the API, the command line and the desk call.

Other apps call `add_rule` / `remove_rule` (cases: a decision makes a rule; discovery: an
approved suggestion makes one) and read the matcher through `current_matcher`, `check_tags`
and `check_query`. The matcher is compiled once per process and kept: a cheap probe of the
rules table (one aggregate query, at most every `index_refresh_seconds`) tells when the
rules changed, and only then is it rebuilt, so a check costs no query of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from shieldwall.core import audit
from shieldwall.core.actors import SYSTEM, Actor, require
from shieldwall.core.errors import Conflict, Invalid, NotFound
from shieldwall.terms.events import TermEvent
from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource
from shieldwall.terms.matcher import Matcher, QueryVerdict, Rule, TagVerdict, validate_rule
from shieldwall.terms.models import TagSuppression, TermRule
from shieldwall.terms.normalise import normaliser_version, term_key
from shieldwall.terms.permissions import MANAGE_RULES, VIEW_RULES

MAX_TERM = 200  # TermRule.term and .key
MAX_REASON = 2000
MAX_CASE_ID = 40


_Choice = TypeVar("_Choice", MatchKind, RuleEffect, RuleSource)


def _choice(value: object, kind: type[_Choice], name: str) -> _Choice:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        raise Invalid(
            f"invalid_{name}", f"{name} must be one of {', '.join(kind.values)}.", field=name
        ) from None


def _text(value: object, name: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise Invalid(f"invalid_{name}", f"{name} must be text.", field=name)
    if "\x00" in value:
        raise Invalid("nul_character", f"{name} must not contain the NUL character.", field=name)
    if len(value) > max_length:
        raise Invalid("too_long", f"{name} is at most {max_length} characters.", field=name)
    return value


def validate_term(term: str, match: MatchKind) -> str:
    """The key of a term a rule may hold, or Invalid naming `term` (empty, too long, or too
    short for a contains or near rule: it would catch ordinary words)."""
    _text(term, "term", MAX_TERM)
    key = term_key(term)
    if not key:
        raise Invalid("empty_term", "The term has no letters or digits.", field="term")
    if len(key) > MAX_TERM:
        raise Invalid("too_long", f"term is at most {MAX_TERM} characters.", field="term")
    cfg = settings.SHIELDWALL
    message = validate_rule(key, match, cfg.terms_min_contains, cfg.terms_min_near)
    if message:
        raise Invalid("term_too_short", message, field="term")
    return key


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
    returned as it is, so a second decision on the same tag changes nothing.

    A rule made by a case decision (source CASE, with its case id) needs no MANAGE_RULES:
    the cases app has checked the moderator's right to decide the case before calling."""
    source = _choice(source, RuleSource, "source")
    if source != RuleSource.CASE:
        require(actor, MANAGE_RULES)
    match = _choice(match, MatchKind, "match")
    effect = _choice(effect, RuleEffect, "effect")
    reason = _text(reason, "reason", MAX_REASON).strip()
    case_id = _text(case_id, "case_id", MAX_CASE_ID).strip()
    if source == RuleSource.CASE and not case_id:
        raise Invalid(
            "case_required", "A rule from a case decision names its case.", field="case_id"
        )
    key = validate_term(term, match)
    if source in _DECIDED and match == MatchKind.EXACT and len(key) < MIN_DECIDED_EXACT:
        # One short word blocked from a case or a suggestion would close every search with
        # it platform-wide, made by someone who cannot undo it: a lead decides that.
        raise Invalid(
            "term_too_short",
            f"A tag of fewer than {MIN_DECIDED_EXACT} letters once normalised ({key!r}) "
            "would block every search containing that word; a lead can add it on the rules "
            "page if that is meant.",
            field="term",
        )
    with transaction.atomic():
        active = TermRule.objects.filter(
            key=key, match=match, effect=effect, removed_at__isnull=True
        )
        existing = active.first()
        if existing is not None:
            return existing
        if effect == RuleEffect.BLOCK:
            _refuse_if_excepted(term, key, match)
        try:
            with transaction.atomic():  # a savepoint: another request may add it meanwhile
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
        except IntegrityError:
            return active.get()
        audit.record(
            actor=actor,
            action=TermEvent.RULE_ADDED,
            subject_type="term_rule",
            subject_id=rule.pk,
            data={
                "term": term,
                "key": key,
                "match": match,
                "effect": effect,
                "source": source,
                "case_id": case_id,
                "reason": reason,
            },
        )
    return rule


# Rules made by deciding a case or approving a suggestion, rather than on the rules page.
_DECIDED = frozenset({RuleSource.CASE, RuleSource.SUGGESTION})
MIN_DECIDED_EXACT = 4


def _refuse_if_excepted(term: str, key: str, match: MatchKind) -> None:
    """Conflict when an active exception would keep the new block rule's own term open: the
    rule would do nothing while the desk said the tag was blocked."""
    exceptions = [
        Rule(id=r.pk, term=r.term, key=r.key, match=MatchKind(r.match), effect=RuleEffect.ALLOW)
        for r in TermRule.objects.filter(removed_at__isnull=True, effect=RuleEffect.ALLOW)
    ]
    if not exceptions:
        return
    trial = Matcher([*exceptions, Rule(id=0, term=term, key=key, match=match)])
    if trial.check_tag(term).suppressed:
        return
    holding = next((r for r in exceptions if r.key == key), exceptions[0])
    raise Conflict(
        "excepted",
        f"An exception keeps this tag open (rule {holding.id}, {holding.term!r}): a block rule "
        "would change nothing. Remove the exception on the rules page first.",
        field="term",
    )


def remove_rule(*, rule_id: int, actor: Actor, reason: str) -> TermRule:
    """Remove one active rule (audited). The sweep then lifts the suppression of the tags
    that no other rule catches."""
    require(actor, MANAGE_RULES)
    reason = _text(reason, "reason", MAX_REASON).strip()
    if isinstance(rule_id, str) and rule_id.isascii() and rule_id.isdigit():
        rule_id = int(rule_id)  # as a form or the command line sends it
    if not isinstance(rule_id, int) or isinstance(rule_id, bool) or not 0 < rule_id < 2**63:
        raise NotFound("no_such_rule", f"no active rule {str(rule_id)[:40]!r}")
    with transaction.atomic():
        rule = TermRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None or rule.removed_at is not None:
            raise NotFound("no_such_rule", f"no active rule {rule_id}")
        _remove(rule, actor, reason)
    return rule


def _remove(rule: TermRule, actor: Actor, reason: str) -> None:
    rule.removed_at = timezone.now()
    rule.removed_by = actor.label
    rule.removed_reason = reason
    rule.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    audit.record(
        actor=actor,
        action=TermEvent.RULE_REMOVED,
        subject_type="term_rule",
        subject_id=rule.pk,
        data={"term": rule.term, "key": rule.key, "match": rule.match, "reason": reason},
    )


def list_rules(actor: Actor, include_removed: bool = False) -> list[TermRule]:
    """The rules, newest first (only the active ones unless asked)."""
    require(actor, VIEW_RULES)
    rows = TermRule.objects.order_by("-created_at", "-pk")
    if not include_removed:
        rows = rows.filter(removed_at__isnull=True)
    return list(rows)


def rules_with_key(key: str) -> list[TermRule]:
    """The active rules whose key is this one (any match and effect)."""
    return list(TermRule.objects.filter(key=key, removed_at__isnull=True).order_by("pk"))


def rule_for_tag(tag: str) -> TermRule | None:
    """The active rule that suppresses this tag alone, or None."""
    verdict = current_matcher().check_tag(tag)
    if verdict.rule is None:
        return None
    return TermRule.objects.filter(pk=verdict.rule.id).first()


def suppressions(*, rule_id: int | None = None, active: bool = True) -> list[TagSuppression]:
    """The platform's tags suppressed by the sweep (for one rule, say), newest first."""
    rows = TagSuppression.objects.order_by("-created_at", "-pk")
    if rule_id is not None:
        rows = rows.filter(rule_id=rule_id)
    if active:
        rows = rows.filter(lifted_at__isnull=True)
    return list(rows)


def note_suppressed(*, hashtag: str, rule_id: int, action_id: str) -> bool:
    """Record that a suppress_hashtag action for this spelling was issued elsewhere (a case
    decision), so the sweep does not send another; -> False if one was already recorded.
    Runs in the caller's transaction (the one that issued the action)."""
    hashtag = _text(hashtag, "hashtag", 100)
    with transaction.atomic():
        if TagSuppression.objects.filter(hashtag=hashtag, lifted_at__isnull=True).exists():
            return False
        TagSuppression.objects.create(
            hashtag=hashtag, rule_id=rule_id, action_id=action_id, created_at=timezone.now()
        )
    return True


# --- keys made by an older normaliser ----------------------------------------------------


def rebuild_keys() -> int:
    """Re-key the active rules made under another normaliser version; -> how many changed.

    A rule whose new key equals another active rule's (same match and effect), or is empty,
    is removed by the system, audited with the reason."""
    version = normaliser_version()
    changed = 0
    with transaction.atomic():
        stale = list(
            TermRule.objects.select_for_update()
            .filter(removed_at__isnull=True)
            .exclude(normaliser_version=version)
            .order_by("pk")
        )
        if not stale:
            return 0
        taken = set(
            TermRule.objects.filter(
                removed_at__isnull=True, normaliser_version=version
            ).values_list("key", "match", "effect")
        )
        for rule in stale:
            key = term_key(rule.term)[:MAX_TERM]
            ident = (key, rule.match, rule.effect)
            if not key or ident in taken:
                _remove(
                    rule,
                    SYSTEM,
                    f"normaliser {version}: the term's key {key!r} is empty or another "
                    "active rule's",
                )
            else:
                rule.key, rule.normaliser_version = key, version
                rule.save(update_fields=["key", "normaliser_version"])
                taken.add(ident)
            changed += 1
    return changed


# --- the process-wide matcher ------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    version: str
    matcher: Matcher
    checked: float  # time.monotonic() of the last probe that found `version`


_lock = threading.Lock()
_compiled: _Compiled | None = None


def _iso(at: datetime | None) -> str:
    return at.isoformat() if at is not None else "-"


def rules_version() -> str:
    """What changes whenever a rule is added or removed (one aggregate query), and with the
    normaliser version."""
    agg = TermRule.objects.aggregate(
        n=Count("id"), top=Max("id"), added=Max("created_at"), removed=Max("removed_at")
    )
    return (
        f"{agg['n']}:{agg['top'] or 0}:{_iso(agg['added'])}:{_iso(agg['removed'])}"
        f":{normaliser_version()}"
    )


def _build() -> Matcher:
    rows = list(TermRule.objects.filter(removed_at__isnull=True).order_by("pk"))
    version = normaliser_version()
    if any(r.normaliser_version != version for r in rows):
        rebuild_keys()
        rows = list(TermRule.objects.filter(removed_at__isnull=True).order_by("pk"))
    cfg = settings.SHIELDWALL
    return Matcher(
        [
            Rule(
                id=r.pk,
                term=r.term,
                key=r.key,
                match=MatchKind(r.match),
                effect=RuleEffect(r.effect),
            )
            for r in rows
        ],
        min_contains=cfg.terms_min_contains,
        min_near=cfg.terms_min_near,
    )


def current_matcher() -> Matcher:
    """The active rules, compiled; rebuilt only when a probe finds the rules changed."""
    global _compiled
    now = time.monotonic()
    compiled = _compiled
    interval = settings.SHIELDWALL.index_refresh_seconds
    if compiled is not None and now - compiled.checked < interval:
        return compiled.matcher
    # One thread probes (and rebuilds); the others keep the matcher they have meanwhile.
    if not _lock.acquire(blocking=compiled is None):
        assert compiled is not None
        return compiled.matcher
    try:
        compiled = _compiled
        if compiled is not None and now - compiled.checked < interval:
            return compiled.matcher
        version = rules_version()
        if compiled is not None and compiled.version == version:
            _compiled = _Compiled(version, compiled.matcher, now)
            return compiled.matcher
        # Probed before the build: a rule added meanwhile moves the version again.
        matcher = _build()
        _compiled = _Compiled(version, matcher, time.monotonic())
        return matcher
    finally:
        _lock.release()


def current_rules() -> tuple[str, Matcher]:
    """The compiled rules with the version they were compiled at (for the sweep)."""
    matcher = current_matcher()
    compiled = _compiled
    if compiled is None or compiled.matcher is not matcher:  # rebuilt by another thread
        return current_rules()
    return compiled.version, matcher


def forget_matcher() -> None:
    """Drop this process's compiled rules (tests; a rebuild follows on the next check)."""
    global _compiled
    with _lock:
        _compiled = None


def check_tags(tags: Sequence[str]) -> list[TagVerdict]:
    """The verdict on each tag, in order (adjacent tags are also read together)."""
    return current_matcher().check_tags(tags)


def check_query(query: str) -> QueryVerdict:
    """The verdict on one free-text search query."""
    return current_matcher().check_query(query)


# --- what the platform shows instead of results ------------------------------------------


@dataclass(frozen=True)
class HelpLink:
    label: str
    url: str


@dataclass(frozen=True)
class Interstitial:
    """The operator's message shown instead of results (SHIELDWALL_TERMS_INTERSTITIAL_*)."""

    title: str
    message: str
    links: tuple[HelpLink, ...]


def interstitial() -> Interstitial:
    """The interstitial as configured."""
    cfg = settings.SHIELDWALL
    return Interstitial(
        title=cfg.terms_interstitial_title,
        message=cfg.terms_interstitial_message,
        links=tuple(HelpLink(label, url) for label, url in cfg.terms_help_links),
    )
