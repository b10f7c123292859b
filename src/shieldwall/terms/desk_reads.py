"""What the desk reads of term rules: the rules page's list, and the rules a case decision
made or met. Values only (no model rows leave this module), like `subjects.reads`.

Writes go through `terms.services` (audited); these functions only read. The rules page
checks VIEW_RULES here; a case page shows the rules its own decision named, which every
actor who may read the case may see (the case already shows the tag).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db.models import Q

from shieldwall.core.actors import Actor, require
from shieldwall.terms.models import TermRule
from shieldwall.terms.permissions import VIEW_RULES

MAX_LISTED = 500  # the rules page lists the newest this many; a search narrows further


class Shown(StrEnum):
    """Which rules the rules page lists."""

    ACTIVE = "active"
    REMOVED = "removed"
    ALL = "all"


@dataclass(frozen=True)
class RuleRow:
    """One rule as the desk shows it (vocabulary values, not words)."""

    id: int
    term: str
    key: str
    match: str
    effect: str
    source: str
    reason: str
    case_id: str
    created_by: str
    created_at: datetime
    removed_at: datetime | None
    removed_by: str
    removed_reason: str

    @property
    def active(self) -> bool:
        return self.removed_at is None


@dataclass(frozen=True)
class RuleList:
    """The rules page's list: the rows shown, how many matched, and the counts per state."""

    rows: list[RuleRow]
    matched: int
    active: int
    removed: int


def _row(r: TermRule) -> RuleRow:
    return RuleRow(
        id=r.pk,
        term=r.term,
        key=r.key,
        match=r.match,
        effect=r.effect,
        source=r.source,
        reason=r.reason,
        case_id=r.case_id,
        created_by=r.created_by,
        created_at=r.created_at,
        removed_at=r.removed_at,
        removed_by=r.removed_by,
        removed_reason=r.removed_reason,
    )


def rule_list(*, actor: Actor, shown: Shown = Shown.ACTIVE, search: str = "") -> RuleList:
    """The rules in the state asked for, newest first; `search` narrows by term or key."""
    require(actor, VIEW_RULES)
    qs = TermRule.objects.all()
    active = qs.filter(removed_at__isnull=True).count()
    removed = qs.filter(removed_at__isnull=False).count()
    if shown == Shown.ACTIVE:
        qs = qs.filter(removed_at__isnull=True)
    elif shown == Shown.REMOVED:
        qs = qs.filter(removed_at__isnull=False)
    if search:
        qs = qs.filter(Q(term__icontains=search) | Q(key__icontains=search))
    matched = qs.count()
    rows = [_row(r) for r in qs.order_by("-created_at", "-pk")[:MAX_LISTED]]
    return RuleList(rows=rows, matched=matched, active=active, removed=removed)


def rule(*, actor: Actor, rule_id: int) -> RuleRow | None:
    """One rule, or None when there is no rule with this id."""
    require(actor, VIEW_RULES)
    found = TermRule.objects.filter(pk=rule_id).first()
    return _row(found) if found is not None else None


def rules_by_id(rule_ids: Iterable[int]) -> list[RuleRow]:
    """The rules with these ids, in the order given (unknown ids are left out)."""
    ids = [i for i in dict.fromkeys(rule_ids) if isinstance(i, int)]
    found = {r.pk: _row(r) for r in TermRule.objects.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]
