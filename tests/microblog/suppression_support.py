"""Helpers of the search-suppression tests: block a term in Shieldwall, read Tidepool's pages."""

from __future__ import annotations

import html
import re

from tests.microblog.stack import Person, Stack

TABS = ("top", "latest", "photos", "videos", "people")
INTERSTITIAL = "data-interstitial"
UNAVAILABLE = "Search is unavailable right now"
POST_LINK = re.compile(r'href="/p/(p_[0-9a-f]+)"')
PERSON_LINK = re.compile(r'class="card person" href="/@([^"]+)"')

BLOCK = """
import sys
from shieldwall.cli import _setup
_setup()
from shieldwall.core.actors import cli_actor
from shieldwall.terms.kinds import MatchKind
from shieldwall.terms.services import add_rule
term, match = sys.argv[1:3]
print(add_rule(term=term, match=MatchKind(match), actor=cli_actor(), reason="test").pk)
"""


def block(stack: Stack, term: str, match: str = "exact") -> int:
    """Block a term in Shieldwall, as staff would (the service verb, audited)."""
    return int(stack.shieldwall_python(BLOCK, term, match))


def results(page: str) -> list[str]:
    """The post ids and @handles a results page links to."""
    main = page.split('<main id="main"', 1)[-1].split("</main>", 1)[0]
    return list(dict.fromkeys(POST_LINK.findall(main) + PERSON_LINK.findall(main)))


def trending(page: str) -> list[str]:
    """The tags in the sidebar's Trending list (none when it is not shown)."""
    if 'class="trend-list"' not in page:
        return []
    section = page.split('class="trend-list"', 1)[1].split("</ul>", 1)[0]
    return [html.unescape(t) for t in re.findall(r'href="/tag/[^"]*">#([^<]*)</a>', section)]


def suggestions(person: Person, q: str) -> list[str]:
    """The tags autocomplete offers for what was typed."""
    r = person.get("/search/suggest", q=q)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return [s["tag"] for s in r.json()["suggestions"]]


def hidden_everywhere(person: Person, query: str, shown_ids: list[str]) -> None:
    """Every tab of the search shows the interstitial and none of the results."""
    for tab in TABS:
        page = person.get("/search", q=query, tab=tab).text
        assert INTERSTITIAL in page, (query, tab)
        assert results(page) == [], (query, tab)
        for post_id in shown_ids:
            assert post_id not in page
