"""Word boundaries inside glued tags, for exact rules (``buybluefinchnow``).

An exact rule's term found inside a longer tag (Aho-Corasick finds the candidates, so an
ordinary tag never gets here) catches the tag only when the tag reads as words glued
together with the term as whole words: symspellpy's ``word_segmentation`` (MIT, its
82,765-word English frequency dictionary shipped in the wheel) splits the tag, and the
term's start and end must both fall on word boundaries of that split, with every word
before and after it a dictionary word. ``classical``, ``passage`` and ``bass`` are words
themselves, so a short term inside them is never caught.

The dictionary is turned into keys (``term_key`` of every word, counts of words with one
key added) so the split runs on the same spelling as the rules. It is loaded once per
process on first use (about a second), never for a tag without a candidate.
"""

from __future__ import annotations

import importlib.resources
import threading
from functools import lru_cache

from symspellpy import SymSpell

from shieldwall.terms.normalise import term_key

DICTIONARY = "frequency_dictionary_en_82_765.txt"

# Words of one letter in a flank are taken only when they are words (``a``; ``i`` is the key
# of i, l and 1): anything else of one letter is what is left of a longer word.
ONE_LETTER_WORDS = frozenset({"a", "i"})


class Segmenter:
    """The dictionary in key spelling and the split of one key into words."""

    def __init__(self) -> None:
        self._sym = SymSpell(max_dictionary_edit_distance=0, prefix_length=7)
        counts: dict[str, int] = {}
        path = importlib.resources.files("symspellpy") / DICTIONARY
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) != 2:
                    continue
                key = term_key(parts[0])
                if key:
                    counts[key] = counts.get(key, 0) + int(parts[1])
        for key, count in counts.items():
            self._sym.create_dictionary_entry(key, count)
        self.words = frozenset(counts)
        self._lock = threading.Lock()

    def split(self, key: str) -> list[str]:
        """The most probable split of a key into words (unknown runs kept as they are)."""
        with self._lock:  # symspellpy keeps no per-call state we rely on, but be safe
            return self._sym.word_segmentation(key, max_edit_distance=0).segmented_string.split()

    def is_word(self, key: str) -> bool:
        return key in self.words

    def all_words(self, key: str) -> bool:
        """The key splits into dictionary words only (an empty key does too)."""
        if not key:
            return True
        for w in self.split(key):
            if w not in self.words or (len(w) == 1 and w not in ONE_LETTER_WORDS):
                return False
        return True

    def glued(self, key: str, start: int, end: int) -> bool:
        """Whether ``key[start:end]`` (a term) stands as whole words glued to dictionary
        words: the key is no word itself, the split of the key has boundaries at ``start``
        and ``end``, and what is before and after splits into dictionary words."""
        if self.is_word(key):
            return False
        if not (self.all_words(key[:start]) and self.all_words(key[end:])):
            return False
        bounds = {0}
        pos = 0
        for w in self.split(key):
            pos += len(w)
            bounds.add(pos)
        return start in bounds and end in bounds


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load() -> Segmenter:
    return Segmenter()


def segmenter() -> Segmenter:
    """The process's segmenter, built on first use."""
    with _lock:
        return _load()
