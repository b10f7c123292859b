"""TEMPORARY (tidepool branch only): the two checks, so Tidepool's tests have a real server.

The rulesapi work replaces this file (with its schemas, the operator's interstitial and
the API's limits); the shapes here follow docs/common.md's contract exactly.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Router, Schema

from shieldwall.core.actors import require
from shieldwall.core.errors import ServiceError
from shieldwall.core.http import ApiRequest
from shieldwall.terms import services
from shieldwall.terms.matcher import Rule
from shieldwall.terms.permissions import CHECK_TERMS

router = Router(tags=["terms"])

INTERSTITIAL: dict[str, Any] = {
    "title": "These results are hidden",
    "message": (
        "This search may be linked to the sexual abuse of children. Such material is illegal "
        "and harms children. Help and confidential support are available."
    ),
    "links": [
        {"label": "Get confidential help", "url": "https://example.org/help"},
        {"label": "Report abuse material", "url": "https://example.org/report"},
    ],
}


class HashtagsIn(Schema):
    tags: list[str] = Field(min_length=1, max_length=100)


class SearchIn(Schema):
    query: str = Field(max_length=500)


def _rule(rule: Rule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {"id": rule.id, "term": rule.term, "match": str(rule.match)}


@router.post("/hashtags/check", operation_id="check_hashtags")
def check_hashtags(request: ApiRequest, body: HashtagsIn) -> dict[str, Any]:
    """Each tag's verdict; adjacent tags are also read together."""
    require(request.auth, CHECK_TERMS)
    for tag in body.tags:
        if len(tag) > 200:
            raise ServiceError("invalid_request", "a tag is at most 200 characters", field="tags")
    verdicts = services.check_tags(body.tags)
    results = [
        {
            "tag": v.tag,
            "suppressed": v.suppressed,
            "rule": _rule(v.rule),
            "normalized": v.normalized,
        }
        for v in verdicts
    ]
    suppressed = any(v.suppressed for v in verdicts)
    return {"results": results, "interstitial": INTERSTITIAL if suppressed else None}


@router.post("/search/check", operation_id="check_search")
def check_search(request: ApiRequest, body: SearchIn) -> dict[str, Any]:
    """The verdict on one free-text query, and the interstitial to show when suppressed."""
    require(request.auth, CHECK_TERMS)
    v = services.check_query(body.query)
    return {
        "query": v.query,
        "suppressed": v.suppressed,
        "rule": _rule(v.rule),
        "normalized": v.normalized,
        "interstitial": INTERSTITIAL if v.suppressed else None,
    }
