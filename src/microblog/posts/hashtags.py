"""Hashtags in post text: found, normalised (NFKC, case-folded, no `#`) and linked."""

from __future__ import annotations

import re
import unicodedata

# A tag starts after a non-word character (or the start) so "a#b" and URLs' fragments are
# not tags; it is letters, digits and underscores, and must hold at least one letter.
_TAG = re.compile(r"(?<![\w&/#])[#\uff03](\w{1,100})", re.UNICODE)
_NAME = re.compile(r"\w{1,100}", re.UNICODE)
MAX_TAGS = 30
MAX_TAG_LENGTH = 100  # the longest tag a post can carry (the pattern's limit)
HASH_SIGNS = ("#", "\uff03")  # the ASCII and the full-width number sign


def normalise(tag: str) -> str:
    """The one form a tag is stored and compared in: NFKC, case-folded, without `#`."""
    return unicodedata.normalize("NFKC", tag).strip().lstrip("".join(HASH_SIGNS)).casefold()


def parse(text: str) -> list[str]:
    """The distinct normalised hashtags in the text, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in _TAG.finditer(unicodedata.normalize("NFKC", text)):
        name = normalise(match.group(1))
        if any(ch.isalpha() for ch in name) and name not in seen:
            seen[name] = None
        if len(seen) >= MAX_TAGS:
            break
    return list(seen)


def split_for_display(text: str) -> list[tuple[str, str | None]]:
    """The text in pieces: (piece, tag) where tag is the normalised hashtag or None."""
    pieces: list[tuple[str, str | None]] = []
    last = 0
    for match in _TAG.finditer(text):
        name = normalise(match.group(1))
        if not any(ch.isalpha() for ch in name):
            continue
        if match.start() > last:
            pieces.append((text[last : match.start()], None))
        pieces.append((match.group(0), name))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], None))
    return pieces


def is_tag_name(name: str) -> bool:
    """Whether a tag page's name (with or without `#`) is one a post could carry."""
    tag = normalise(name)
    return bool(_NAME.fullmatch(tag)) and any(ch.isalpha() for ch in tag)


def tags_in_text(text: str) -> list[str]:
    """The distinct tags of the text as `split_for_display` links them, in their order."""
    return list(dict.fromkeys(tag for _, tag in split_for_display(text) if tag))
