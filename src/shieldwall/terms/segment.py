"""Word boundaries inside glued tags, for exact rules (``buybluefinchnow``).

An exact rule's term found inside a longer tag (Aho-Corasick finds the candidates, so an
ordinary tag almost never gets here) catches the tag only when the tag reads as words glued
together with the term as whole words: the tag is split into its most probable words, the
term's start and end must both fall on boundaries of that split, and everything before and
after the term must split into dictionary words. ``classical``, ``passage`` and ``bass``
are dictionary words themselves, so a short term inside them is never caught.

Data: symspellpy's English unigram frequency dictionary (82,765 words from the Google Books
Ngram data, MIT, shipped in the wheel). The split is a unigram Viterbi over it (the method
of symspellpy's ``word_segmentation`` with no spelling correction): ``word_segmentation``
itself costs about 2 ms a tag here, ours about 50 us, and this runs on the request path.
The dictionary is turned into keys (``term_key`` of every word, counts of words with one key
added), so the split runs on the same spelling as the rules. It is loaded once per process
on first use (about half a second), never for a tag without a candidate.
"""

from __future__ import annotations

import importlib.resources
import math
import threading
from functools import lru_cache

from shieldwall.terms.normalise import term_key

DICTIONARY = "frequency_dictionary_en_82_765.txt"
# The longest word tried at any position (symspellpy's longest is 28 letters).
MAX_WORD = 24
# Words of one letter count as words only when they are words (``a``; ``i`` is the key of
# i, l and 1): any other single letter is what is left of a longer word.
ONE_LETTER_WORDS = frozenset({"a", "i"})


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
                key = term_key(parts[0])
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
        return out[::-1]

    def is_word(self, key: str) -> bool:
        return key in self.words and (len(key) > 1 or key in ONE_LETTER_WORDS)

    def all_words(self, key: str) -> bool:
        """The key splits into dictionary words only (an empty key does too)."""
        return all(self.is_word(w) for w in self.split(key)) if key else True

    def glued(self, key: str, start: int, end: int) -> bool:
        """Whether ``key[start:end]`` (a term) stands as whole words glued to dictionary
        words: the key is no word itself, the most probable split of the key has boundaries
        at ``start`` and ``end``, and its words before and after the term are dictionary
        words (one split, about 50 us for a 20-letter tag)."""
        if self.is_word(key):
            return False
        pos = 0
        for w in self.split(key):
            outside = pos + len(w) <= start or pos >= end
            if outside and not self.is_word(w):
                return False  # a word before or after the term that is no word
            if pos < start < pos + len(w) or pos < end < pos + len(w):
                return False  # a word runs across the term's start or end
            pos += len(w)
        return True


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load() -> Segmenter:
    return Segmenter.from_symspellpy()


def segmenter() -> Segmenter:
    """The process's segmenter, built on first use."""
    with _lock:
        return _load()
