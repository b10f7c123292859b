import pytest

from shieldwall.subjects.hashtags import MAX_HASHTAG_LENGTH, HashtagError, normalise_hashtag


@pytest.mark.parametrize(
    "raw",
    [
        "fóo",
        "#Fóo",
        "##FÓO",
        " #fóo ",
        "ＦÓＯ",  # full-width letters
        "\uff03\uff26\u00f3\uff4f",  # full-width number sign and letters
        "fo\u0301o",  # o + combining acute accent
        "f\u200bóo",  # a zero-width space slipped in
        "FÓO",
    ],
)
def test_spellings_of_one_tag_normalise_alike(raw: str) -> None:
    assert normalise_hashtag(raw) == "fóo"


def test_case_folding_goes_beyond_lower() -> None:
    assert normalise_hashtag("STRASSE") == normalise_hashtag("straße") == "strasse"


def test_joiners_that_scripts_need_are_kept() -> None:
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # with a zero-width non-joiner
    assert normalise_hashtag(persian) == persian


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "is empty"),
        ("#", "is empty"),
        ("  ##  ", "is empty"),
        ("two words", "contains spaces"),
        ("tab\there", "contains spaces"),
        ("nul\x00", "control characters"),
        ("x" * (MAX_HASHTAG_LENGTH + 1), f"longer than {MAX_HASHTAG_LENGTH}"),
    ],
)
def test_unusable_tags_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(HashtagError, match=reason):
        normalise_hashtag(raw)


def test_the_length_limit_applies_after_normalisation() -> None:
    assert normalise_hashtag("#" + "\uff21" * MAX_HASHTAG_LENGTH) == "a" * MAX_HASHTAG_LENGTH
