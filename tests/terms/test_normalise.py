"""The normaliser: every evasion of a placeholder term ends in the term's own key."""

from __future__ import annotations

import random
import string
import unicodedata

import icu
import pytest

from shieldwall.terms import normalise
from shieldwall.terms.normalise import (
    SMALL_CAPITALS,
    collapse,
    full_key,
    normaliser_version,
    query_words,
    term_key,
)

PLAIN = term_key("bluefinch")


def test_icu_version_is_pinned() -> None:
    # Keys depend on ICU's data (NFKC, ignorables, confusables): a new ICU changes keys, so
    # the version is stored with every rule key, and this test names the one we measured.
    assert icu.ICU_VERSION == "72.1"
    assert icu.UNICODE_VERSION == "15.0"
    assert normaliser_version() == f"{normalise.NORMALISER_VERSION}-icu72.1"


def _styled(style: str, text: str) -> str:
    """``text`` in a mathematical alphabet, by Unicode name (holes of the script alphabet
    are in Letterlike Symbols under shorter names)."""
    out = []
    for ch in text:
        for name in (f"MATHEMATICAL {style} SMALL {ch.upper()}", f"{style} SMALL {ch.upper()}"):
            try:
                out.append(unicodedata.lookup(name))
                break
            except KeyError:
                continue
        else:
            raise AssertionError(f"no {style} {ch}")
    return "".join(out)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def _named(template: str, text: str) -> str:
    return "".join(unicodedata.lookup(template.format(ch.upper())) for ch in text)


@pytest.mark.parametrize(
    ("spelling", "why"),
    [
        ("bluefinch", "plain"),
        ("BlueFinch", "case"),
        ("BLUEFINCH", "upper case"),
        ("\u0432lu\u0435fin\u0441h", "Cyrillic ve, ie, es (skeleton)"),
        ("bluef\u03b9nch", "Greek iota"),
        (_fullwidth("bluefinch"), "fullwidth"),
        (_styled("BOLD", "bluefinch"), "math bold"),
        (_styled("SCRIPT", "bluefinch"), "math script (with Letterlike holes)"),
        (_styled("DOUBLE-STRUCK", "bluefinch"), "double-struck"),
        (_styled("FRAKTUR", "bluefinch"), "fraktur"),
        ("\u0299\u029f\u1d1c\u1d07\ua730\u026a\u0274\u1d04\u029c", "small capitals"),
        (_named("CIRCLED LATIN SMALL LETTER {}", "bluefinch"), "circled"),
        (_named("NEGATIVE SQUARED LATIN CAPITAL LETTER {}", "bluefinch"), "negative squared"),
        (_named("REGIONAL INDICATOR SYMBOL LETTER {}", "bluefinch"), "regional indicators"),
        ("\u1d2e\u1d38\u1d41\u1d31finch", "modifier capitals"),
        ("blue\u200bfinch", "zero-width space"),
        ("blu\u200ce\u200dfinch", "ZWNJ, ZWJ"),
        ("blue\u2060fin\u00adch", "word joiner, soft hyphen"),
        ("bluefinch\ufe0f\ufe00", "variation selectors"),
        ("\u202ebluefinch\u202c\u200e", "bidi override and mark"),
        ("\u2066blue\u2069finch\ufeff", "bidi isolates, BOM"),
        ("blue\u3164finch\u034f", "Hangul filler, grapheme joiner"),
        ("b\u0336l\u0336u\u0301e\u0308finch", "combining marks"),
        ("bl\u00fc\u00e9finch", "precomposed accents"),
        ("b1u3f!nch", "leetspeak 1 3 !"),
        ("8|uefinch", "leetspeak 8 |"),
        ("b.l_u-e f", "separators (first five letters)"),
        ("bluuuefiiinchhh", "repeated letters"),
        ("\u0392LU\u0395F\u0399\u039d\u0421\u041d", "Greek and Cyrillic capitals"),
    ],
)
def test_evasion_has_the_key_of_the_plain_term(spelling: str, why: str) -> None:
    expected = term_key("bluef") if why.startswith("separators") else PLAIN
    assert term_key(spelling) == expected, why


def test_leetspeak_classes_follow_the_skeleton() -> None:
    # The skeleton writes 1, I, l and | as l; the leet map then puts l, 1, !, | with i.
    assert term_key("1") == term_key("l") == term_key("I") == term_key("!") == term_key("i")
    assert term_key("0") == term_key("o") == term_key("O")
    assert term_key("s0d@pa$$") == term_key("sodapass")
    assert term_key("7+") == term_key("t")
    assert term_key("5") == "s"
    assert term_key("3") == "e"
    assert term_key("4") == "a"
    assert term_key("m") == term_key("rn")  # the skeleton's m -> rn, on both sides


def test_different_words_keep_different_keys() -> None:
    keys = {term_key(w) for w in ("bluefinch", "sodapass", "velvetmoth", "quietlantern")}
    assert len(keys) == 4
    assert term_key("classical") != term_key("lass")


def test_small_capitals_table_is_built_from_names() -> None:
    assert SMALL_CAPITALS[0x0299] == "b"  # LATIN LETTER SMALL CAPITAL B
    assert SMALL_CAPITALS[0x1D00] == "a"
    assert SMALL_CAPITALS[0x1F171] == "b"  # NEGATIVE SQUARED LATIN CAPITAL LETTER B
    assert all(len(v) in (1, 2) and v.isascii() for v in SMALL_CAPITALS.values())
    assert len(SMALL_CAPITALS) > 60


def test_ascii_fast_path_equals_the_full_pipeline() -> None:
    rng = random.Random(5)
    alphabet = string.printable
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert term_key(text) == full_key(text), repr(text)
        assert query_words(text) == full_key(text, " ").split(), repr(text)
    for b in range(128):
        assert term_key(chr(b)) == full_key(chr(b))


def test_keys_are_stable_under_normalising_again() -> None:
    rng = random.Random(8)
    samples = ["bluefinch", _fullwidth("Sodapass"), "v\u0435lv\u0435tmoth", "qu1etl@ntern", "MMmm"]
    samples += ["".join(rng.choice(string.ascii_letters + "013457@$!") for _ in range(12))]
    for text in samples:
        assert term_key(term_key(text)) == term_key(text)


def test_query_words_split_on_spaces_and_separators_not_on_leet_or_invisibles() -> None:
    assert query_words("buy  blue.finch now") == ["buy", term_key("blue"), "finch", "now"]
    assert query_words("s0d@pa$$ today") == [term_key("sodapass"), "today"]
    assert query_words("blue\u200bfinch") == [PLAIN]
    assert query_words("b l u e") == ["b", "i", "u", "e"]
    assert query_words(_fullwidth("BLUE") + "\u3000" + _fullwidth("finch")) == [
        term_key("blue"),
        "finch",
    ]
    assert query_words("") == []
    assert query_words(" ... ") == []


def test_collapse_joins_runs_across_joined_keys() -> None:
    assert collapse("aab" + "bbc") == "abc"
    assert collapse("") == ""


def test_hostile_text_normalises_without_error() -> None:
    for text in ["\x00\x01\x7f", "\ud7ff\ue000\U0010ffff", "\u0301" * 500, "\u202e" * 50, "%%%"]:
        assert isinstance(term_key(text), str)
        assert isinstance(query_words(text), list)
    assert term_key("\u200b\u200d\ufe0f") == ""
