"""HTTP edge of term rules: the platform's two checks, for hashtags and for searches."""

from __future__ import annotations

from ninja import Router

from shieldwall.core.actors import require
from shieldwall.core.http import ApiRequest
from shieldwall.terms import metrics, services
from shieldwall.terms.permissions import CHECK_TERMS
from shieldwall.terms.schemas import (
    HashtagsCheckIn,
    HashtagsCheckOut,
    SearchCheckIn,
    SearchCheckOut,
    TagResultOut,
    interstitial_out,
    rule_out,
)

router = Router(tags=["terms"])


@router.post(
    "/hashtags/check",
    response=HashtagsCheckOut,
    operation_id="check_hashtags",
    summary="Check hashtags against the rules",
)
def check_hashtags(request: ApiRequest, body: HashtagsCheckIn) -> HashtagsCheckOut:
    """Per tag, in order: suppressed or not, the rule, the normalised form. A term split
    over two adjacent tags suppresses both. `interstitial` is there when any tag is."""
    require(request.auth, CHECK_TERMS)
    verdicts = services.check_tags(body.tags)
    results = [
        TagResultOut(
            tag=v.tag, suppressed=v.suppressed, rule=rule_out(v.rule), normalized=v.normalized
        )
        for v in verdicts
    ]
    shown = any(v.suppressed for v in verdicts)
    metrics.record_check("hashtags", shown)
    return HashtagsCheckOut(
        results=results, interstitial=interstitial_out(services.interstitial()) if shown else None
    )


@router.post(
    "/search/check",
    response=SearchCheckOut,
    operation_id="check_search",
    summary="Check a search query against the rules",
)
def check_search(request: ApiRequest, body: SearchCheckIn) -> SearchCheckOut:
    """Suppressed when a word, a run of adjacent words, or the whole query without spaces
    is caught; then show `interstitial` and no results on any tab."""
    require(request.auth, CHECK_TERMS)
    v = services.check_query(body.query)
    metrics.record_check("search", v.suppressed)
    return SearchCheckOut(
        query=v.query,
        suppressed=v.suppressed,
        rule=rule_out(v.rule),
        normalized=v.normalized,
        interstitial=interstitial_out(services.interstitial()) if v.suppressed else None,
    )
