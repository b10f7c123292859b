"""The pure parts of search suppression: the in-process cache of check answers (kept for
its TTL, bounded, oldest stored dropped), a query's hashtags, the interstitial's links, and
which tag page names exist at all.

No Django settings are read when the cache's TTL and size are given; the clock is a counter.
"""

from __future__ import annotations

from microblog.posts.hashtags import is_tag_name
from microblog.safety.suppression import HIDDEN, Cache, query_hashtags, shown_interstitial
from shieldwall_client import HelpLink, Interstitial


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_kept_for_its_ttl_then_asked_again() -> None:
    clock = Clock()
    cache = Cache(ttl=30, size=10, clock=clock)
    cache.put(("tags", ("bluefinch",)), "answer")
    clock.now += 29.9
    assert cache.get(("tags", ("bluefinch",))) == "answer"
    clock.now += 0.1
    assert cache.get(("tags", ("bluefinch",))) is None
    assert len(cache) == 0  # an expired answer is dropped, not kept


def test_the_cache_is_bounded_and_drops_the_oldest_stored_first() -> None:
    cache = Cache(ttl=30, size=3, clock=Clock())
    for n in range(5):
        cache.put(n, f"answer {n}")
    assert len(cache) == 3
    assert [cache.get(n) for n in range(5)] == [None, None, "answer 2", "answer 3", "answer 4"]
    cache.put(2, "again")  # stored again: now the newest
    cache.put(5, "answer 5")
    assert [cache.get(n) for n in (2, 3, 4, 5)] == ["again", None, "answer 4", "answer 5"]


def test_clear_forgets_answers_and_the_outage_pause() -> None:
    cache = Cache(ttl=30, size=3, clock=Clock())
    cache.put("k", "v")
    cache.down_until = 1e12
    cache.clear()
    assert cache.get("k") is None
    assert cache.down_until == 0.0


def test_a_querys_hashtags_are_its_hash_words_normalised_in_order() -> None:
    assert query_hashtags("where #Blue and #finch \uff03Soda plain") == ["blue", "finch", "soda"]
    assert query_hashtags("no tags here # ##") == []


def test_only_http_links_of_an_interstitial_are_rendered() -> None:
    given = Interstitial(
        title="Hidden",
        message="Help is available.",
        links=[
            HelpLink("Help", "https://example.org/help"),
            HelpLink("Script", "javascript:alert(1)"),
            HelpLink("Data", "data:text/html,x"),
            HelpLink("Relative", "//example.org/x"),
            HelpLink("Plain", "http://example.org/plain"),
            HelpLink("No host", "https:///nohost"),
        ],
    )
    shown = shown_interstitial(given)
    assert [link.label for link in shown.links] == ["Help", "Plain"]  # absolute http(s) only
    assert (shown.title, shown.message) == ("Hidden", "Help is available.")
    # No interstitial, or an empty one: Tidepool's own words.
    assert shown_interstitial(None) == HIDDEN
    assert shown_interstitial(Interstitial(title="", message="")) == HIDDEN


def test_a_tag_page_name_is_one_a_post_could_carry() -> None:
    for ok in ("sunsetwalk", "#SunsetWalk", "ok_tag", "blu\u0435finch", "x" * 100):
        assert is_tag_name(ok), ok
    for bad in ("", "#", "2024", "x" * 101, "a b", "a\x00b", "a/b", "a\u200bb"):
        assert not is_tag_name(bad), bad
