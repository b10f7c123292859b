"""A compiled set of term rules, checked against tags and queries.

FOUNDATION STUB: the interface is final; the inside (Aho-Corasick for contains, a deletion
index for near, adjacent-tag joins) is filled by the matcher work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shieldwall.terms.kinds import MatchKind, RuleEffect
from shieldwall.terms.normalise import query_words, term_key

# Contains and near rules are refused for shorter terms (their keys): they would catch
# ordinary words. Operators may raise them (settings SHIELDWALL_TERMS_MIN_CONTAINS / _NEAR).
DEFAULT_MIN_CONTAINS = 6
DEFAULT_MIN_NEAR = 7


@dataclass(frozen=True)
class Rule:
    """One rule as the matcher holds it: its id, the term as written, its key."""

    id: int
    term: str
    key: str
    match: MatchKind
    effect: RuleEffect = RuleEffect.BLOCK


@dataclass(frozen=True)
class TagVerdict:
    """What a rule set makes of one tag."""

    tag: str
    suppressed: bool
    rule: Rule | None
    normalized: str


@dataclass(frozen=True)
class QueryVerdict:
    """What a rule set makes of one search query."""

    query: str
    suppressed: bool
    rule: Rule | None
    normalized: str


class Matcher:
    """Rules compiled once; `check_tags` and `check_query` are safe from many threads."""

    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        min_contains: int = DEFAULT_MIN_CONTAINS,
        min_near: int = DEFAULT_MIN_NEAR,
    ) -> None:
        self.rules = tuple(rules)
        self.min_contains = min_contains
        self.min_near = min_near
        self._block = [r for r in self.rules if r.effect == RuleEffect.BLOCK]
        self._allow = {r.key for r in self.rules if r.effect == RuleEffect.ALLOW}

    def _hit(self, key: str) -> Rule | None:
        if not key or key in self._allow:
            return None
        for r in self._block:
            if r.match == MatchKind.EXACT and key == r.key:
                return r
            if r.match == MatchKind.CONTAINS and r.key in key:
                return r
            if r.match == MatchKind.NEAR and _one_edit(key, r.key):
                return r
        return None

    def check_tag(self, tag: str) -> TagVerdict:
        key = term_key(tag)
        rule = self._hit(key)
        return TagVerdict(tag=tag, suppressed=rule is not None, rule=rule, normalized=key)

    def check_tags(self, tags: Sequence[str]) -> list[TagVerdict]:
        """One verdict per tag, in order; a term split over two adjacent tags suppresses both."""
        verdicts = [self.check_tag(t) for t in tags]
        keys = [v.normalized for v in verdicts]
        for i in range(len(tags) - 1):
            rule = self._hit(keys[i] + keys[i + 1])
            if rule is not None:
                for j in (i, i + 1):
                    if not verdicts[j].suppressed:
                        verdicts[j] = TagVerdict(tags[j], True, rule, keys[j])
        return verdicts

    def check_query(self, query: str) -> QueryVerdict:
        words = query_words(query)
        normalized = " ".join(words)
        for n in (1, 2):
            for i in range(len(words) - n + 1):
                rule = self._hit("".join(words[i : i + n]))
                if rule is not None:
                    return QueryVerdict(query, True, rule, normalized)
        return QueryVerdict(query, False, None, normalized)


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]
