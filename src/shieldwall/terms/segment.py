"""Word boundaries inside glued tags, for exact rules (``buybluefinchnow``).

An exact rule's term found inside a longer tag (Aho-Corasick finds the candidates, so an
ordinary tag almost never gets here) catches the tag only when the tag reads as words glued
together with the term as whole words:

- the tag is not itself a dictionary word (``classical``, ``passage``, ``bass``);
- what stands before and after the term splits into dictionary words (one-letter words only
  ``a`` and ``i``);
- reading the term as a word costs little: the most probable split with boundaries at the
  term's start and end is at most ``MARGIN`` (log10 units) less probable than the most
  probable split of the tag (``surrogate escape`` is far likelier than ``surrogate es
  cape``, so an exact ``cape`` leaves it alone). The term itself costs at most what a word
  seen 10^5 times costs (a rule's term is a word where it is used, whatever the
  dictionary says), and a letter it shares with a neighbour (``club`` + ``bluefinch``) may
  belong to either.

MARGIN was chosen on the evaluation set's short ordinary terms (1.0: none of 1,890
ordinary tags caught; 2.0 would catch 3 such as ``bytestring`` for ``ring``). Exact rules
on ordinary English words also catch compounds where the word stands whole
(``valueerror`` for ``error``): that is what glued means.

All of it runs on the key before repeated letters collapse (``normalise.spelled_key``):
collapsing merges the last letter of a word with the first of the next (``handle errors``
would read ``handierors``). The term is found in it letter by letter, each letter repeated
any number of times.

Data: symspellpy's English unigram frequency dictionary (82,765 words from the Google Books
Ngram data, MIT, shipped in the wheel), every word turned into the same key spelling. The
split is a unigram Viterbi over it (the method of symspellpy's ``word_segmentation``
without spelling correction): ``word_segmentation`` itself costs about 2 ms a tag here,
ours about 50 us, and this runs on the request path. Loaded once per process on first use
(about half a second), never for a tag without a candidate.
"""

from __future__ import annotations

import importlib.resources
import itertools
import math
import re
import threading
from functools import lru_cache

from shieldwall.terms.normalise import spelled_key

DICTIONARY = "frequency_dictionary_en_82_765.txt"
# The longest word tried at any position (symspellpy's longest is 28 letters).
MAX_WORD = 24
# Words of one letter count as words only when they are words (``a``; ``i`` is the key of
# i, l and 1): any other single letter is what is left of a longer word.
ONE_LETTER_WORDS = frozenset({"a", "i"})
# How much less probable (log10) reading the term as a word may make the tag's best split.
MARGIN = 1.0
# Reading the term as one word costs at most what a word seen 10^5 times costs: a rule's
# term is a word of the language it is used in, whatever the dictionary says.
TERM_COUNT_LOG10 = 5.0
# Occurrences of one term in one tag judged at most (a hostile tag repeating a term costs
# a few splits, not one per repetition).
MAX_OCCURRENCES = 4


class Segmenter:
    """The dictionary in key spelling and the split of one key into words."""

    def __init__(self, counts: dict[str, int]) -> None:
        total = float(sum(counts.values()))
        self._cost = {k: -math.log10(c / total) for k, c in counts.items()}
        self.words = frozenset(counts)
        self._log_total = math.log10(total)

    @classmethod
    def from_symspellpy(cls) -> Segmenter:
        counts: dict[str, int] = {}
        path = importlib.resources.files("symspellpy") / DICTIONARY
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) != 2 or not parts[1].isdigit():
                    continue
                key = spelled_key(parts[0])
                if key:
                    counts[key] = counts.get(key, 0) + int(parts[1])
        return cls(counts)

    def _word_cost(self, piece: str) -> float:
        cost = self._cost.get(piece)
        if cost is not None and (len(piece) > 1 or piece in ONE_LETTER_WORDS):
            return cost
        # An unknown piece: as improbable as a word seen 10 times in the corpus, ten times
        # less so for every letter (symspellpy's and Norvig's estimate).
        return self._log_total - 1.0 + len(piece)

    def split(self, key: str) -> list[str]:
        """The most probable split of a key into words (unknown runs kept as pieces)."""
        return self._viterbi(key)[1]

    def _viterbi(self, key: str) -> tuple[float, list[str]]:
        n = len(key)
        best = [0.0] + [math.inf] * n
        back = [0] * (n + 1)
        for end in range(1, n + 1):
            for start in range(max(0, end - MAX_WORD), end):
                cost = best[start] + self._word_cost(key[start:end])
                if cost < best[end]:
                    best[end] = cost
                    back[end] = start
        out: list[str] = []
        end = n
        while end > 0:
            out.append(key[back[end] : end])
            end = back[end]
        return best[n], out[::-1]

    def is_word(self, key: str) -> bool:
        return key in self.words and (len(key) > 1 or key in ONE_LETTER_WORDS)

    def all_words(self, key: str) -> bool:
        """The key splits into dictionary words only (an empty key does too)."""
        return all(self.is_word(w) for w in self.split(key)) if key else True

    def glued(self, spelled: str, term: str) -> bool:
        """Whether the term (a rule key) stands in ``spelled`` (a tag's uncollapsed key) as
        whole words glued to dictionary words (see the module's docstring)."""
        if self.is_word(spelled):
            return False
        free: float | None = None
        for m in itertools.islice(_letters(term).finditer(spelled), MAX_OCCURRENCES):
            for start, end in _trims(spelled, *m.span()):
                before, after = spelled[:start], spelled[end:]
                if not (before or after):
                    continue
                if not (self.all_words(before) and self.all_words(after)):
                    continue
                if free is None:
                    free = self._viterbi(spelled)[0]
                term_cost = min(
                    self._viterbi(spelled[start:end])[0], self._log_total - TERM_COUNT_LOG10
                )
                forced = term_cost + sum(self._viterbi(p)[0] for p in (before, after) if p)
                if forced <= free + MARGIN:
                    return True
        return False


def _trims(spelled: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of one match with its first and last letter's runs shared with the
    neighbours in every way (``new`` + ``wewi`` reads ``newwewi``: the match ``wwewi``
    also starts one later; ``rat`` + ``today``: ``ratt`` also ends one earlier)."""
    first = start
    while first + 1 < end and spelled[first + 1] == spelled[start]:
        first += 1
    last = end - 1
    while last - 1 > first and spelled[last - 1] == spelled[end - 1]:
        last -= 1
    return [(s, e) for s in range(start, first + 1) for e in range(end, last, -1)]


@lru_cache(maxsize=4096)
def _letters(term: str) -> re.Pattern[str]:
    """The term with each letter repeated any number of times."""
    return re.compile("".join(re.escape(c) + "+" for c in term))


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load() -> Segmenter:
    return Segmenter.from_symspellpy()


def segmenter() -> Segmenter:
    """The process's segmenter, built on first use."""
    with _lock:
        return _load()
