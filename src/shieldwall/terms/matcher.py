"""A compiled set of term rules, checked against tags and queries.

Everything is compared as keys (``normalise.term_key``), so every evasion the normaliser
undoes is undone on both sides. A ``Matcher`` is built once per rule set and is then
read-only (safe from many threads):

- exact rules: a dict from key to rule. A tag whose key is the term is caught. A term glued
  to ordinary words (``buybluefinchnow``) is caught too when the term is at least
  ``min_glued`` long: Aho-Corasick finds the term inside the tag, then ``segment`` checks
  that the tag reads as dictionary words with the term as whole words, so ``classical``,
  ``passage`` or ``bass`` never fall to a short exact term inside them.
- contains rules (terms of at least ``min_contains``; shorter ones are skipped, and
  ``validate_rule`` says why so the services refuse them): one pyahocorasick automaton over
  every contains key (and the exact keys for the glued check, and the exceptions' keys).
- near rules (terms of at least ``min_near``): one edit away (insertion, deletion,
  substitution, or two neighbours swapped), through a symmetric-delete index: every key and
  its one-letter deletions point at the rule, and a tag is looked up by its key and its
  one-letter deletions (``len(tag)+1`` lookups, whatever the number of rules), then the
  candidates are verified. Before that, a tag must start or end like some near key of a
  length within one of its own (the first or last (L-1)//2 letters; one edit cannot
  change both ends), which turns most ordinary tags away with a few set lookups.
- exceptions (effect ``allow``): a tag whose key is an exception's key is never suppressed
  (whatever the exception's match kind). An exception with match ``contains`` also excuses
  a contains or glued-exact hit that lies inside one of its occurrences in the tag (the
  ordinary word around a term: allow ``bluefinchery`` keeps ``bluefinchery`` and
  ``bluefincherytour`` open against a contains ``bluefinch``), but not a hit elsewhere in
  the tag, so gluing an exception word to a term does not open it.
- adjacent tags (``check_tags``): each run of two and of three neighbours is also read as
  one key, when none of them is caught alone; a hit there suppresses each tag of the run.
- separated pieces: a piece of a tag between separators, without digits at its ends, that
  is an exact term (``bluefinch_2024``, ``bluefinch22``) catches the tag.
- queries (``check_query``): every word, every run of up to ``MAX_RUN`` adjacent words
  joined, every run of one-letter words joined (``b l u e f i n c h``), and the whole query
  with its spaces removed (glued-exact only while it is at most ``MAX_JOINED`` letters).
- batches (``check_many``, and inside ``check_tags`` and ``check_query``): the keys of a
  whole batch are made in one ``bytes.translate``, the automaton runs once over them joined
  by newlines, the near filter is a comprehension, and only the few suspects get the full
  check, so a batch is about 1.5x faster than one call a tag. A test holds the verdicts
  equal to ``check_tag``'s.
- near rules also read a tag's spelling before repeats collapse: a deletion that leaves
  two letters side by side (``dupujif`` -> ``duujif``) would otherwise collapse into a
  second edit.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from shieldwall.terms.kinds import MatchKind, RuleEffect
from shieldwall.terms.normalise import (
    RLO,
    collapse,
    display_form,
    query_words,
    spelled_key,
    spelled_keys,
    term_key,
    term_keys,
)
from shieldwall.terms.segment import segmenter

# Contains and near rules are refused for shorter terms (their keys): they would catch
# ordinary words. Operators may raise them (settings SHIELDWALL_TERMS_MIN_CONTAINS / _NEAR).
DEFAULT_MIN_CONTAINS = 6
DEFAULT_MIN_NEAR = 7
# Exact terms at least this long also catch a tag that glues them to ordinary words.
DEFAULT_MIN_GLUED = 4
# Runs of adjacent query words joined into one candidate, at most this many words.
MAX_RUN = 4
# The whole query with its spaces removed is read (glued-exact) only up to this key length.
MAX_JOINED = 120
# The glued-exact check reads tags of at most this many letters: segmenting is quadratic-ish
# in the length, and a tag longer than this is no selling tag a person types (contains
# rules catch terms inside long tags). Bounds the work one hostile tag can buy.
MAX_GLUED_LETTERS = 48
# Leading and trailing digit runs around a separated piece of a tag (``bluefinch_2024``,
# ``2024bluefinch``): a term with a year or a count beside it is the term.
_EDGE_DIGITS = re.compile(r"^[0-9]+|[0-9]+$")
_SEPARATORS = re.compile(r"[\W_]+")


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


def validate_rule(
    key: str,
    match: MatchKind,
    min_contains: int = DEFAULT_MIN_CONTAINS,
    min_near: int = DEFAULT_MIN_NEAR,
) -> str | None:
    """Why a rule with this key and match kind cannot be added, or None when it can."""
    if not key:
        return "the term has no letters or digits"
    if match == MatchKind.CONTAINS and len(key) < min_contains:
        return (
            f"a contains rule needs a term of at least {min_contains} letters after"
            f" normalisation ({key!r} has {len(key)}): shorter ones catch ordinary words"
        )
    if match == MatchKind.NEAR and len(key) < min_near:
        return (
            f"a near rule needs a term of at least {min_near} letters after normalisation"
            f" ({key!r} has {len(key)}): shorter ones catch ordinary words"
        )
    return None


def one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are at most one edit apart (insert, delete, substitute, or
    swap two neighbours)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return a[i:] == b[i + 1 :]


# What the automaton holds per key: the block contains rule, the exact rule (glued check),
# whether an exception contains it.
_CONTAINS, _GLUED, _ALLOW = 0, 1, 2


class Matcher:
    """Rules compiled once; `check_tags` and `check_query` are safe from many threads."""

    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        min_contains: int = DEFAULT_MIN_CONTAINS,
        min_near: int = DEFAULT_MIN_NEAR,
        min_glued: int = DEFAULT_MIN_GLUED,
    ) -> None:
        # Keys are made here again from the terms, so a key stored by another normaliser
        # version (or a rule written by hand with the term as its key) still matches.
        self.rules = tuple(_rekeyed(r) for r in rules)
        self.min_contains = min_contains
        self.min_near = min_near
        self.min_glued = min_glued
        # Rules that cannot work as written (too short): kept out, listed here.
        self.skipped: list[Rule] = []
        self._allow: set[str] = set()
        self._exact: dict[str, Rule] = {}
        self._near: dict[str, list[Rule]] = {}
        slots: dict[str, list[object]] = {}

        def slot(key: str) -> list[object]:
            return slots.setdefault(key, [None, None, False])

        for r in sorted(self.rules, key=lambda r: r.id):
            if not r.key:
                self.skipped.append(r)
                continue
            if r.effect == RuleEffect.ALLOW:
                self._allow.add(r.key)
                if r.match == MatchKind.CONTAINS:
                    slot(r.key)[_ALLOW] = True
                continue
            if validate_rule(r.key, r.match, min_contains, min_near) is not None:
                self.skipped.append(r)
                continue
            if r.match == MatchKind.EXACT:
                self._exact.setdefault(r.key, r)
                if len(r.key) >= min_glued:
                    s = slot(r.key)
                    if s[_GLUED] is None:
                        s[_GLUED] = r
            elif r.match == MatchKind.CONTAINS:
                s = slot(r.key)
                if s[_CONTAINS] is None:
                    s[_CONTAINS] = r
            else:
                for variant in {r.key, *_deletions(r.key)}:
                    self._near.setdefault(variant, []).append(r)
        self._near_lengths = range(0)
        # Per key length L: one edit cannot touch both the first and the last p letters of
        # a key of L >= 2p + 1 letters, so a tag within one edit of it starts or ends like
        # it. Per tag length n, one filter for the lengths n-1..n+1 (the smallest of their
        # p, which is valid for all): (p, heads, tails) turns most ordinary tags away with
        # two set lookups.
        self._near_filter: dict[int, tuple[int, frozenset[str], frozenset[str]]] = {}
        if self._near:
            near_keys = {r.key for rs in self._near.values() for r in rs}
            lengths = sorted({len(k) for k in near_keys})
            # Shorter keys too: their uncollapsed spelling may be long enough.
            self._near_lengths = range(1, lengths[-1] + 2)
            for n in range(max(1, lengths[0] - 1), lengths[-1] + 2):
                near_n = [k for k in near_keys if abs(len(k) - n) <= 1]
                if not near_n:
                    continue
                p = max(1, min((len(k) - 1) // 2 for k in near_n))
                self._near_filter[n] = (
                    p,
                    frozenset(k[:p] for k in near_n),
                    frozenset(k[-p:] for k in near_n),
                )
        self._automaton: ahocorasick.Automaton | None = None
        if slots:
            automaton = ahocorasick.Automaton()
            for key, value in slots.items():
                automaton.add_word(key, (len(key), *value))
            automaton.make_automaton()
            self._automaton = automaton

    # -- one key ---------------------------------------------------------------------------

    def _hit(self, key: str, text: str, glued: bool = True) -> Rule | None:
        """The rule that catches this key (of ``text``), or None."""
        if not key or key in self._allow:
            return None
        rule = self._exact.get(key)
        if rule is not None:
            return rule
        if self._automaton is not None:
            rule = self._inside(key, text, glued)
            if rule is not None:
                return rule
        if self._near and len(key) in self._near_lengths:
            rule = self._near_hit(key, text)
            if rule is not None:
                return rule
        if RLO in text:  # the order it is shown in, too
            shown = display_form(text)
            return self._hit(term_key(shown), shown, glued)
        return None

    def _inside(self, key: str, text: str, glued: bool) -> Rule | None:
        assert self._automaton is not None
        found = list(self._automaton.iter(key))
        if not found:
            return None
        allowed = [(end + 1 - v[0], end + 1) for end, v in found if v[1 + _ALLOW]]

        def excused(start: int, end: int) -> bool:
            return any(a <= start and end <= b for a, b in allowed)

        for end, v in found:
            rule = v[1 + _CONTAINS]
            if rule is not None and not excused(end + 1 - v[0], end + 1):
                return rule
        if glued:
            spelled: str | None = None
            tried: set[str] = set()  # one segmenter read per rule, however often it occurs
            for end, v in found:
                rule = v[1 + _GLUED]
                start, stop = end + 1 - v[0], end + 1
                if rule is None or len(key) == v[0] or excused(start, stop):
                    continue
                if rule.key in tried:
                    continue
                tried.add(rule.key)
                if self._separated_piece(text, rule.key):
                    return rule
                if spelled is None:
                    spelled = spelled_key(text)
                if len(spelled) <= MAX_GLUED_LETTERS and segmenter().glued(spelled, rule.key):
                    return rule
        return None

    @staticmethod
    def _separated_piece(text: str, key: str) -> bool:
        """Whether a piece of the tag between separators, without the digits at its ends,
        is the term itself (``bluefinch_2024``, ``bluefinch22``, ``vids_bluefinch``)."""
        pieces = [_EDGE_DIGITS.sub("", p) for p in _SEPARATORS.split(text)]
        pieces += [_EDGE_DIGITS.sub("", text)]
        return any(p and term_key(p) == key for p in pieces)

    def _near_hit(self, key: str, text: str) -> Rule | None:
        rule = self._near_lookup(key) if self._near_passes(key) else None
        if rule is None and _has_repeat(text):
            # A deletion that leaves two letters side by side (dupujif -> duujif) collapses
            # into a second edit (dujif): read the uncollapsed spelling too.
            spelled = spelled_key(text)
            if spelled != key and self._near_passes(spelled):
                rule = self._near_lookup(spelled)
        return rule

    def _near_passes(self, key: str) -> bool:
        f = self._near_filter.get(len(key))
        return f is not None and (key[: f[0]] in f[1] or key[-f[0] :] in f[2])

    def _near_lookup(self, key: str) -> Rule | None:
        best: Rule | None = None
        for variant in (key, *_deletions(key)):
            for r in self._near.get(variant, ()):
                if (best is None or r.id < best.id) and one_edit(key, r.key):
                    best = r
        return best

    # -- the public checks ----------------------------------------------------------------

    def check_tag(self, tag: str) -> TagVerdict:
        key = term_key(tag)
        rule = self._hit(key, tag)
        return TagVerdict(tag=tag, suppressed=rule is not None, rule=rule, normalized=key)

    def check_many(self, tags: Sequence[str]) -> list[TagVerdict]:
        """One verdict per tag, each read alone (the sweep of seen tags, bulk checks): the
        same verdicts as ``check_tag``, with the normalising, the automaton and the near
        filter run once over the whole batch, and the full check only for the few tags
        that pass them."""
        tags = list(tags)
        keys = term_keys(tags)
        return [
            TagVerdict(tag, rule is not None, rule, key)
            for tag, key, rule in zip(tags, keys, self._batch_hits(tags, keys), strict=True)
        ]

    def _batch_hits(
        self, texts: list[str], keys: list[str], unglued: frozenset[int] = frozenset()
    ) -> list[Rule | None]:
        """The rule catching each key (of each text), as ``_hit`` finds it; ``unglued``:
        indexes read without the glued-exact check."""
        out: list[Rule | None] = [None] * len(keys)
        suspects: set[int] = set()
        if self._automaton is not None and keys:
            joined = "\n".join(keys)  # no rule key holds a newline: no match across tags
            ends = list(itertools.accumulate(len(k) + 1 for k in keys))
            for end, _value in self._automaton.iter(joined):
                suspects.add(bisect.bisect_right(ends, end))
        if self._near and keys:
            passes = self._near_passes
            suspects.update(i for i, k in enumerate(keys) if passes(k))
            # Texts with a character repeated (found in one pass over them all), not yet
            # suspects: their uncollapsed spelling may be one edit from a near key.
            text_ends = list(itertools.accumulate(len(t) + 1 for t in texts))
            repeated = sorted(
                {
                    bisect.bisect_right(text_ends, m.start())
                    for m in _REPEAT.finditer("\n".join(texts))
                }
                - suspects
            )
            if repeated:
                spelled = spelled_keys([texts[i] for i in repeated])
                suspects.update(
                    i
                    for i, sp in zip(repeated, spelled, strict=True)
                    if sp != keys[i] and passes(sp)
                )
        suspects.update(i for i, t in enumerate(texts) if RLO in t)
        exact, allow = self._exact, self._allow
        for i, key in enumerate(keys):
            if not key or key in allow:
                continue
            rule = exact.get(key)
            if rule is None and i in suspects:
                rule = self._hit(key, texts[i], i not in unglued)
            out[i] = rule
        return out

    def check_tags(self, tags: Sequence[str]) -> list[TagVerdict]:
        """One verdict per tag, in order; a term split over two or three adjacent tags
        suppresses each of them.

        Only a term that spans them counts: a run where any tag is caught on its own (or,
        for three, any two of them together) is not read joined, so an ordinary tag next
        to a blocked one stays open."""
        tags = list(tags)
        verdicts = self.check_many(tags)
        keys = [v.normalized for v in verdicts]
        for size in (2, 3):
            runs = [
                i
                for i in range(len(tags) - size + 1)
                if all(
                    keys[j] and keys[j] not in self._allow and not verdicts[j].suppressed
                    for j in range(i, i + size)
                )
            ]
            if not runs:
                continue
            run_keys = [collapse("".join(keys[i : i + size])) for i in runs]
            run_texts = ["".join(tags[i : i + size]) for i in runs]
            hits = self._batch_hits(run_texts, run_keys)
            for i, rule in zip(runs, hits, strict=True):
                if rule is not None:
                    for j in range(i, i + size):
                        if not verdicts[j].suppressed:
                            verdicts[j] = TagVerdict(tags[j], True, rule, keys[j])
        return verdicts

    def check_query(self, query: str) -> QueryVerdict:
        """Suppressed when a word, a run of adjacent words joined, a run of one-letter words
        joined, or the whole query with its spaces removed is caught."""
        words = query_words(query)
        normalized = " ".join(words)
        rule = self._query_hit(words, spelled_key(query, " ").split() if words else [])
        if rule is None and RLO in query:  # the order it is shown in, too
            shown = display_form(query)
            shown_words = query_words(shown)
            spelled = spelled_key(shown, " ").split() if shown_words else []
            rule = self._query_hit(shown_words, spelled)
        return QueryVerdict(query, rule is not None, rule, normalized)

    def _query_hit(self, words: list[str], spelled: list[str]) -> Rule | None:
        if not words:
            return None
        spans: list[tuple[int, int]] = []
        n = len(words)
        for size in range(1, min(MAX_RUN, n) + 1):
            spans += [(i, i + size) for i in range(n - size + 1)]
        i = 0
        while i < n:  # runs of one-letter words: "b l u e f i n c h"
            j = i
            while j < n and len(words[j]) == 1:
                j += 1
            if j - i > MAX_RUN:
                spans.append((i, j))
            i = max(j, i + 1)
        unglued: set[int] = set()
        if n > MAX_RUN:
            if sum(map(len, words)) > MAX_JOINED:
                unglued.add(len(spans))
            spans.append((0, n))
        keys = [words[i] if j == i + 1 else collapse("".join(words[i:j])) for i, j in spans]
        texts = ["".join(spelled[i:j]) for i, j in spans]
        for rule in self._batch_hits(texts, keys, frozenset(unglued)):
            if rule is not None:
                return rule
        return None


def _rekeyed(rule: Rule) -> Rule:
    key = term_key(rule.term) if rule.term else rule.key
    return rule if key == rule.key else dataclasses.replace(rule, key=key)


def _has_repeat(text: str) -> bool:
    """Whether any character follows itself (only then can collapsing change a key)."""
    return _REPEAT.search(text) is not None


_REPEAT = re.compile(r"(.)\1", re.S)


def _deletions(key: str) -> list[str]:
    return [key[:i] + key[i + 1 :] for i in range(len(key))]


__all__ = [
    "DEFAULT_MIN_CONTAINS",
    "DEFAULT_MIN_GLUED",
    "DEFAULT_MIN_NEAR",
    "Matcher",
    "QueryVerdict",
    "Rule",
    "TagVerdict",
    "one_edit",
    "term_key",
    "validate_rule",
]
