"""Hashtag parsing and normalisation (pure functions, no Django needed)."""

from __future__ import annotations

from microblog.posts.hashtags import normalise, parse, split_for_display


def test_parse_finds_distinct_normalised_tags_in_order() -> None:
    assert parse("Walk #SunsetWalk then #coffee and #sunsetwalk again") == [
        "sunsetwalk",
        "coffee",
    ]


def test_parse_ignores_fragments_numbers_and_mid_word_hashes() -> None:
    text = "see https://example.test/page#section, item#3, #2024 and a#b but #ok_tag"
    assert parse(text) == ["ok_tag"]


def test_unicode_is_nfkc_and_casefolded() -> None:
    wide = "".join(chr(0xFEE0 + ord(c)) for c in "PLACEHOLDER")  # full-width letters
    assert normalise("#" + wide) == "placeholder"
    assert parse("\uff03Straße") == ["strasse"]


def test_split_for_display_keeps_every_character() -> None:
    text = "hi #One, #two!"
    pieces = split_for_display(text)
    assert "".join(p for p, _ in pieces) == text
    assert [t for _, t in pieces if t] == ["one", "two"]
