"""Crockford's base 32, the one alphabet for identifiers people read aloud or type back in
(action ids, report receipts): no I, L, O or U, so a misread letter is not another id."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def encode(value: int, length: int) -> str:
    """The lowest `5 * length` bits of `value` as `length` characters, most significant first,
    so ids of one length sort as their numbers do."""
    if value < 0 or length < 1:
        raise ValueError("encode takes a non-negative value and a length of at least 1")
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(length)))


def is_encoded(text: str, length: int) -> bool:
    """Whether `text` is `length` characters of the alphabet (upper case, as `encode` writes)."""
    return len(text) == length and all(ch in ALPHABET for ch in text)
