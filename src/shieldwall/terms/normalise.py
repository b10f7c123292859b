"""The matching key of a term, a tag or a query: one spelling for every evasion of it.

FOUNDATION STUB: case folding and NFKC only. The full pipeline (confusables skeleton,
invisibles, marks, leetspeak, separators, repeats) replaces it; the names stay.
"""

from __future__ import annotations

import unicodedata

# Bumped whenever the pipeline changes what it makes of any text: stored rule keys made with
# another version are rebuilt (services.rebuild_keys).
NORMALISER_VERSION = "0"


def normaliser_version() -> str:
    """The version stored beside every rule key (the pipeline's and the Unicode data's)."""
    return NORMALISER_VERSION


def term_key(text: str) -> str:
    """The key of one tag or term: what rules and checks compare."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def query_words(text: str) -> list[str]:
    """The keys of a free-text query's words, in order (empty words dropped)."""
    return [k for k in (term_key(w) for w in text.split()) if k]
