"""Evasive spellings of a blocked tag find nothing in Tidepool either: every tab, the tag
page, trending and autocomplete.

Written against the final normaliser (the TR39 skeleton for letters of other scripts,
invisible characters, combining marks, leetspeak): Shieldwall's answer decides, Tidepool
only asks. The placeholder term is `bluefinch`.
"""

from __future__ import annotations

import uuid

import pytest

from tests.microblog.stack import Person, Stack
from tests.microblog.suppression_support import (
    INTERSTITIAL,
    block,
    hidden_everywhere,
    results,
    suggestions,
    trending,
)

pytestmark = pytest.mark.slow

CYRILLIC_E = "blu\u0435finch"  # U+0435 CYRILLIC SMALL LETTER IE for the "e"
FULLWIDTH = "".join(chr(0xFEE0 + ord(c)) for c in "BLUEFINCH")
COMBINING = "blue\u0301finch"  # an acute accent on the e
ZERO_WIDTH = "blue\u200bfinch"
LEET = "blu3f1nch"

TAG_SPELLINGS = (CYRILLIC_E, "BLUEFINCH", "blue_finch", FULLWIDTH, LEET)
QUERIES = (
    *(f"#{t}" for t in TAG_SPELLINGS),
    "#blue #finch",  # split over two adjacent tags
    "blue finch",  # and over two words
    ZERO_WIDTH,
    COMBINING,
    f"where is the {CYRILLIC_E}",
)


@pytest.fixture(scope="module")
def evasive_posts(stack: Stack) -> list[str]:
    """The term blocked (before Tidepool is asked about any spelling), then posts with each."""
    block(stack, "bluefinch")
    with Person(stack.mb_url) as p:
        p.sign_up("e" + uuid.uuid4().hex[:10])
        ids = []
        for spelling in TAG_SPELLINGS:
            for n in range(3):  # often enough to be a trending candidate
                post_id, message = p.post(f"seen {n} #{spelling}")
                assert post_id, message
                ids.append(post_id)
        for n in range(2):
            assert p.post(f"ordinary {n} #sunrisewalk")[0]
        return ids


@pytest.mark.parametrize("query", QUERIES)
def test_every_tab_hides_an_evasive_spelling(
    person: Person, evasive_posts: list[str], query: str
) -> None:
    hidden_everywhere(person, query, evasive_posts)


@pytest.mark.parametrize("spelling", TAG_SPELLINGS)
def test_the_tag_page_of_an_evasive_spelling_shows_the_interstitial(
    person: Person, evasive_posts: list[str], spelling: str
) -> None:
    page = person.get(f"/tag/{spelling}").text
    assert INTERSTITIAL in page, spelling
    assert results(page) == []


def test_trending_and_autocomplete_offer_no_evasive_spelling(
    person: Person, evasive_posts: list[str]
) -> None:
    listed = trending(person.get("/").text)
    assert "sunrisewalk" in listed  # ordinary tags are still listed
    assert not any("finch" in name or "f1nch" in name for name in listed), listed
    for typed in ("blu", "#blu", "BLU"):
        assert suggestions(person, typed) == []
