"""Which searches and hashtags Tidepool must not show results for, asked of Shieldwall.

Every search tab, hashtag page, autocomplete and the trending list ask here before they show
anything. Answers are kept briefly in process (`MICROBLOG_SUPPRESSION_CACHE_SECONDS`, 30 s by
default; at most `MICROBLOG_SUPPRESSION_CACHE_SIZE` answers, oldest dropped first), so a
popular tag costs one call per half minute, and a newly blocked term is honoured within that.

Fail closed. When Shieldwall cannot be asked (unreachable, an error, not configured), a
search or a tag page shows "Search is unavailable" and no results, autocomplete offers
nothing and trending lists nothing: on a child-safety platform, a few minutes without search
is a far smaller harm than serving the results of a search that would have been suppressed.
After a failure, Shieldwall is not asked again for `MICROBLOG_SUPPRESSION_RETRY_SECONDS`
(5 s), so pages answer at once during an outage instead of each waiting for a timeout.
Only posts' tag links fail open (rendered as links): the page they lead to fails closed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NoReturn
from urllib.parse import urlsplit

from django.conf import settings

from microblog.posts.hashtags import HASH_SIGNS, normalise
from microblog.safety import shieldwall
from shieldwall_client import (
    Client,
    HashtagCheck,
    Interstitial,
    SearchCheck,
    ShieldwallError,
    ShieldwallUnavailable,
)

log = logging.getLogger(__name__)

UNAVAILABLE = Interstitial(
    title="Search is unavailable right now",
    message=(
        "We couldn't check this search, so no results are shown. Please try again in a few minutes."
    ),
)
# When Shieldwall suppressed something but sent no interstitial of its own.
HIDDEN = Interstitial(
    title="No results are shown",
    message="Results for this search are hidden because they may go against our rules.",
)


@dataclass(frozen=True)
class Verdict:
    """Whether to hide results; what to show instead (`interstitial`) when hidden."""

    suppressed: bool
    unavailable: bool = False
    interstitial: Interstitial | None = None


SHOWN = Verdict(suppressed=False)
CLOSED = Verdict(suppressed=True, unavailable=True, interstitial=UNAVAILABLE)


class Unavailable(Exception):
    """Shieldwall could not be asked; callers fail closed."""


class Cache:
    """A bounded map of answers, each kept for a TTL (the least recently stored dropped
    first); safe from many threads. TTL and size are read from settings unless given."""

    def __init__(
        self,
        *,
        ttl: float | None = None,
        size: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._ttl, self._size, self._clock = ttl, size, clock
        self.down_until = 0.0

    def get(self, key: Hashable) -> object | None:
        now = self._clock()
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            if hit[0] <= now:
                del self._items[key]
                return None
            return hit[1]

    def put(self, key: Hashable, value: object) -> None:
        ttl = settings.SUPPRESSION_CACHE_SECONDS if self._ttl is None else self._ttl
        size = settings.SUPPRESSION_CACHE_SIZE if self._size is None else self._size
        expires = self._clock() + ttl
        with self._lock:
            self._items[key] = (expires, value)
            self._items.move_to_end(key)
            while len(self._items) > size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.down_until = 0.0

    def __len__(self) -> int:
        return len(self._items)


_cache = Cache()


def forget() -> None:
    """Drop every kept answer and the outage pause (tests; after a configuration change)."""
    _cache.clear()


def _ask_tags(tags: tuple[str, ...]) -> list[HashtagCheck]:
    key = ("tags", tags)
    cached = _cache.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    client = _client()
    try:
        results = client.check_hashtags(list(tags))
    except (ShieldwallError, ValueError) as exc:
        _failed("hashtags", exc)
    _cache.put(key, results)
    return results


def _ask_query(query: str) -> SearchCheck:
    key = ("query", query)
    cached = _cache.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    client = _client()
    try:
        result = client.check_search(query)
    except (ShieldwallError, ValueError) as exc:
        _failed("search", exc)
    _cache.put(key, result)
    return result


def _client() -> Client:
    if time.monotonic() < _cache.down_until:
        raise Unavailable("Shieldwall failed a moment ago")
    client = shieldwall.check_client()
    if client is None:
        log.error("no Shieldwall configured (SHIELDWALL_URL, SHIELDWALL_API_KEY): search closed")
        raise Unavailable("not configured")
    return client


def _failed(what: str, exc: Exception) -> NoReturn:
    """Fail closed. Only no answer (ShieldwallUnavailable) pauses the asking for everyone: a
    refusal of this one input (a 4xx) closes just this page, so no visitor can turn search
    off for the others with a hostile query."""
    code = getattr(exc, "code", type(exc).__name__)
    if isinstance(exc, ShieldwallUnavailable):
        log.warning("%s check: Shieldwall unavailable (%s), search closed for now", what, code)
        _cache.down_until = time.monotonic() + settings.SUPPRESSION_RETRY_SECONDS
    else:
        log.warning("%s check refused (%s): this page closed", what, code)
    raise Unavailable(str(code)) from None


def shown_interstitial(interstitial: Interstitial | None) -> Interstitial:
    """The interstitial to render: Shieldwall's (only its http(s) links, so a mistyped or
    hostile `javascript:` link never reaches a page), or Tidepool's own when none came."""
    if interstitial is None or not (interstitial.title or interstitial.message):
        return HIDDEN
    links = [
        link
        for link in interstitial.links
        if urlsplit(link.url).scheme in ("http", "https") and urlsplit(link.url).netloc
    ]
    return replace(interstitial, links=links)


def _hidden(interstitial: Interstitial | None) -> Verdict:
    return Verdict(suppressed=True, interstitial=shown_interstitial(interstitial))


def query_hashtags(query: str) -> list[str]:
    """The query's #words, normalised as Tidepool stores tags, in their order."""
    return [
        name for word in query.split() if word.startswith(HASH_SIGNS) and (name := normalise(word))
    ]


def check_query(query: str) -> Verdict:
    """A search: suppressed when the query is, or any of its #words (read side by side)."""
    query = query.strip()
    if not query:
        return SHOWN
    try:
        answer = _ask_query(query)
        if answer.suppressed:
            return _hidden(answer.interstitial)
        tags = query_hashtags(query)
        if tags:
            for check in _ask_tags(tuple(tags)):
                if check.suppressed:
                    return _hidden(check.interstitial)
    except Unavailable:
        return CLOSED
    return SHOWN


def check_tag(name: str) -> Verdict:
    """A hashtag page."""
    try:
        (answer,) = _ask_tags((name,))
    except Unavailable:
        return CLOSED
    return _hidden(answer.interstitial) if answer.suppressed else SHOWN


def allowed_tags(candidates: Iterable[str]) -> list[str]:
    """The candidates no check suppresses, in their order (trending, autocomplete); none at
    all when Shieldwall cannot be asked.

    One call for them all: a tag unsuppressed in the batch is unsuppressed alone (reading
    adjacent tags together only adds suppressions). A tag suppressed in the batch may have
    been caught only beside a neighbour it has no relation to, so it is asked about alone.
    """
    names = list(dict.fromkeys(candidates))
    if not names:
        return []
    try:
        batch = _ask_tags(tuple(names))
        return [
            name
            for name, check in zip(names, batch, strict=True)
            if not check.suppressed or not _ask_tags((name,))[0].suppressed
        ]
    except Unavailable:
        return []


def suppressed_in_text(tags: Sequence[str]) -> set[str]:
    """Which of one post's tags (distinct, in their order) to render as plain text, not as a
    link. Fails open (links shown): the tag pages they lead to fail closed."""
    if not tags:
        return set()
    try:
        checks = _ask_tags(tuple(tags))
    except Unavailable:
        return set()
    return {name for name, check in zip(tags, checks, strict=True) if check.suppressed}


def prefetch_posts(tag_lists: Sequence[Sequence[str]]) -> None:
    """Ask about every post's tags on a page in one call, so rendering them asks nothing.

    The posts' tags go side by side in one batch; a post none of whose tags is suppressed
    there has none suppressed alone either, and its answer is kept. A post with one is asked
    about alone when rendered (a suppression may come from the neighbouring post).
    """
    lists = [tuple(t) for t in tag_lists if t]
    pending = [t for t in dict.fromkeys(lists) if _cache.get(("tags", t)) is None]
    flat = tuple(name for t in pending for name in t)
    if not flat or len(flat) > 1000:
        return
    try:
        checks = _ask_tags(flat)
    except Unavailable:
        return
    at = 0
    for tags in pending:
        part = checks[at : at + len(tags)]
        at += len(tags)
        if not any(c.suppressed for c in part):
            _cache.put(("tags", tags), part)
