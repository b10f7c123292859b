"""Hashtag normalisation: one spelling per tag, so `#Fóo`, `ＦÓＯ` and `fóo` are the same tag."""

from __future__ import annotations

import unicodedata

MAX_HASHTAG_LENGTH = 100

# Invisible characters that never belong inside a tag and are used to slip past exact matches.
# Zero-width (non-)joiners are kept: some scripts (Persian, Indic) need them in ordinary words.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u2060\ufeff"))


class HashtagError(ValueError):
    """A hashtag that cannot be normalised; the message says why, for an API caller."""


def normalise_hashtag(raw: str) -> str:
    """The canonical form of a tag: NFKC, case-folded, without a leading `#` or invisibles."""
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE).strip()
    # NFKC has already turned full-width and small number signs into "#".
    text = text.lstrip("#")
    # Case folding can leave text that is not NFKC again (e.g. "ǰ"), so normalise once more.
    name = unicodedata.normalize("NFKC", text.casefold())
    if not name:
        raise HashtagError("is empty once the leading # is removed")
    if len(name) > MAX_HASHTAG_LENGTH:
        raise HashtagError(f"is longer than {MAX_HASHTAG_LENGTH} characters")
    for ch in name:
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cs", "Co"):
            raise HashtagError("contains spaces or control characters")
    return name
