"""Request and response shapes of the two checks (fixed: the SDK and Tidepool rely on them)."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import Field, StringConstraints

from shieldwall.terms.matcher import Rule
from shieldwall.terms.services import Interstitial

MAX_TAGS = 100
MAX_TAG = 200
MAX_QUERY = 500

Tag = Annotated[str, StringConstraints(strict=True, max_length=MAX_TAG)]


class HashtagsCheckIn(Schema):
    tags: list[Tag] = Field(
        min_length=1, max_length=MAX_TAGS, description="the tags, as the platform spells them"
    )


class SearchCheckIn(Schema):
    query: Annotated[str, StringConstraints(strict=True, max_length=MAX_QUERY)]


class RuleOut(Schema):
    id: int
    term: str
    match: str = Field(description="exact, contains or near")


class HelpLinkOut(Schema):
    label: str
    url: str


class InterstitialOut(Schema):
    title: str
    message: str
    links: list[HelpLinkOut]


class TagResultOut(Schema):
    tag: str
    suppressed: bool
    rule: RuleOut | None
    normalized: str


class HashtagsCheckOut(Schema):
    results: list[TagResultOut]
    interstitial: InterstitialOut | None = Field(
        description="what to show instead of results; present when any tag is suppressed"
    )


class SearchCheckOut(Schema):
    query: str
    suppressed: bool
    rule: RuleOut | None
    normalized: str
    interstitial: InterstitialOut | None = Field(
        description="what to show instead of results; present when the query is suppressed"
    )


def rule_out(rule: Rule | None) -> RuleOut | None:
    if rule is None:
        return None
    return RuleOut(id=rule.id, term=rule.term, match=str(rule.match.value))


def interstitial_out(shown: Interstitial) -> InterstitialOut:
    return InterstitialOut(
        title=shown.title,
        message=shown.message,
        links=[HelpLinkOut(label=link.label, url=link.url) for link in shown.links],
    )
