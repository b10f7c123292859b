"""Candidate tags scored against the blocked ones; staff approve (a rule) or reject (a lesson)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import pytest
from django.db import transaction

from shieldwall.core.actors import cli_actor
from shieldwall.core.errors import Conflict, Forbidden, Invalid, NotFound
from shieldwall.core.models import AuditEvent
from shieldwall.core.roles import ADMIN, AUDITOR, LEAD, MODERATOR
from shieldwall.discovery import scoring, services
from shieldwall.discovery.events import DiscoveryEvent
from shieldwall.discovery.kinds import SuggestionState, TagFeature
from shieldwall.discovery.models import RankingModel, TagSuggestion
from shieldwall.integrations import services as integrations
from shieldwall.terms.events import TermEvent
from shieldwall.terms import services as terms
from shieldwall.terms.kinds import RuleEffect, RuleSource
from shieldwall.terms.models import TermRule
from tests.discovery.discovery_support import NOW, block, ingest, post_event, posts, staff

pytestmark = pytest.mark.django_db

DECOY = "sunnyparade"


@pytest.fixture(autouse=True)
def _fresh_graph() -> Iterator[None]:
    scoring.forget_graph()
    yield
    scoring.forget_graph()


def small_world() -> None:
    """Two community accounts pairing a blocked tag with `sodapass`; thirty ordinary
    accounts with everyday tags over a week, and a sudden viral decoy in the last hour."""
    block("bluefinch")
    events = []
    for a in ("c1", "c2"):
        events += posts(a, ["bluefinch", "sodapass"], 4, prefix=f"{a}x")
        events += posts(a, ["sodapass"], 4, prefix=f"{a}y")
    for k in range(30):
        a = f"o{k}"
        for d in range(5):
            at = NOW - timedelta(days=d + 1, minutes=k)
            events.append(post_event(f"{a}-d{d}", a, ["dailywalk", f"hobby{k % 4}"], at))
        events.append(post_event(f"{a}-v", a, [DECOY], NOW - timedelta(minutes=k)))
    ingest(events)
    services.update_graph()


def open_tags() -> dict[str, TagSuggestion]:
    return {s.tag: s for s in services.suggestions()}


def test_a_tag_carried_with_blocked_tags_is_suggested_with_its_evidence() -> None:
    small_world()
    assert services.score_tags(now=NOW) >= 1
    found = open_tags()
    assert "bluefinch" not in found  # already blocked
    soda = found["sodapass"]
    assert soda.features[TagFeature.COOCCURRENCE] == 0.5  # 8 of its 16 posts
    assert soda.features[TagFeature.ACCOUNT_SHARE] == 1.0  # every use by the two accounts
    assert soda.features[TagFeature.PAGERANK] > 0.5
    assert soda.score >= scoring.SUGGEST_MIN_SCORE
    assert soda.evidence["blocked_tags"] == [["bluefinch", 8]]
    assert soda.evidence["posts"] == 16
    assert sorted(soda.evidence["account_ids"]) == ["c1", "c2"]
    post_ids = soda.evidence["post_ids"]
    assert post_ids
    assert all(p.startswith(("c1x", "c2x")) for p in post_ids[:4])
    assert soda.support == 8


def test_the_viral_decoy_bursts_but_is_not_suggested() -> None:
    small_world()
    services.score_tags(now=NOW)
    assert DECOY not in open_tags()
    assert "dailywalk" not in open_tags()
    ranked = {c.tag: c for c in scoring.candidates(now=NOW)}
    assert DECOY not in ranked  # nothing ties it to a blocked tag at all
    scored = scoring.combine({TagFeature.BURST: 1.0}, scoring.DEFAULT_WEIGHTS, scoring.DEFAULT_BIAS)
    assert scored < 0.01


def test_burst_counts_only_together_with_closeness() -> None:
    w, b = scoring.DEFAULT_WEIGHTS, scoring.DEFAULT_BIAS
    close = {TagFeature.PAGERANK: 0.6, TagFeature.ACCOUNT_SHARE: 0.5}
    assert scoring.combine({**close, TagFeature.BURST: 1.0}, w, b) > scoring.combine(close, w, b)
    # Burst without closeness adds nothing at all.
    assert scoring.combine({TagFeature.BURST: 1.0}, w, b) == scoring.combine({}, w, b)
    assert scoring.inputs({TagFeature.BURST: 1.0, TagFeature.PAGERANK: 0.5})[
        TagFeature.BURST
    ] == pytest.approx(0.5)


def test_a_bursting_tag_of_the_community_gets_the_burst_feature() -> None:
    small_world()
    ingest(posts("c1", ["sodapass", "velvetmoth"], 10, prefix="c1z"))
    ingest(posts("c2", ["velvetmoth", "bluefinch"], 3, prefix="c2z"))
    services.update_graph()
    ranked = {c.tag: c for c in scoring.candidates(now=NOW)}
    assert ranked["velvetmoth"].features[TagFeature.BURST] > 0.9  # 13 uses now, none before
    assert ranked["sodapass"].features[TagFeature.BURST] > 0.0


def test_removed_posts_count_for_the_tags_they_carried() -> None:
    small_world()
    integrations.issue_action(
        kind="remove_post", subject_id="c1y-p0", reason="csam", actor=cli_actor()
    )
    integrations.issue_action(
        kind="remove_post", subject_id="c1y-p1", reason="csam", actor=cli_actor()
    )
    integrations.issue_action(
        kind="restore_post", subject_id="c1y-p1", reason="appeal", actor=cli_actor()
    )
    ranked = {c.tag: c for c in scoring.candidates(now=NOW)}
    assert ranked["sodapass"].features[TagFeature.REMOVED] == round(1 / 16, 4)
    assert ranked["sodapass"].evidence["removed_posts"] == 1
    assert ranked["sodapass"].support == 9


def test_personalised_pagerank_walks_from_the_blocked_tags() -> None:
    small_world()
    g = scoring.graph()
    ranks, on_accounts = g.pagerank({"bluefinch"})
    assert ranks.sum() == pytest.approx(1.0)
    lift = g.lift(ranks, g.tag_degree)
    at = g.tag_index
    assert lift[at["sodapass"]] > 10 * max(lift[at["dailywalk"]], 1e-9)
    assert lift[at[DECOY]] == 0.0
    community = [g.accounts.index(a) for a in ("c1", "c2")]
    ordinary = g.accounts.index("o3")
    assert all(on_accounts[i] > on_accounts[ordinary] for i in community)
    nothing, none = g.pagerank({"neverseen"})
    assert not nothing.any()
    assert not none.any()
    assert isinstance(g.matrix @ np.ones(len(g.tags)), np.ndarray)


def test_the_graph_is_held_until_it_moves() -> None:
    small_world()
    first = scoring.graph()
    assert scoring.graph() is first
    ingest(posts("c1", ["velvetmoth"], 1, prefix="c1w"))
    services.update_graph()
    assert scoring.graph() is not first


def test_a_tag_staff_made_an_exception_for_is_never_suggested() -> None:
    small_world()
    terms.add_rule(term="SodaPass", actor=cli_actor(), reason="ordinary", effect=RuleEffect.ALLOW)
    services.score_tags(now=NOW)
    assert "sodapass" not in open_tags()


def test_no_blocked_tags_no_suggestions() -> None:
    ingest(posts("c1", ["sodapass"], 5) + posts("c2", ["sodapass"], 5))
    services.update_graph()
    assert services.score_tags(now=NOW) == 0
    assert not TagSuggestion.objects.exists()


def test_approving_makes_a_rule_teaches_the_ranking_and_is_audited() -> None:
    small_world()
    services.score_tags(now=NOW)
    soda = open_tags()["sodapass"]
    lead = staff(LEAD)
    done = services.approve(soda.pk, actor=lead, reason="sold with a blocked tag")
    assert done.state == SuggestionState.APPROVED
    assert done.reviewed_by == lead.label
    assert done.reviewed_at is not None
    rule = TermRule.objects.get(pk=done.rule_id)
    assert (rule.term, rule.source, rule.match) == ("sodapass", RuleSource.SUGGESTION, "exact")
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert TermEvent.RULE_ADDED in actions
    assert DiscoveryEvent.SUGGESTION_APPROVED in actions
    event = AuditEvent.objects.get(action=DiscoveryEvent.SUGGESTION_APPROVED)
    assert event.data["tag"] == "sodapass"
    assert event.data["rule_id"] == rule.pk
    model = RankingModel.objects.get(name=scoring.RANKING)
    assert model.labels == 1
    # Now blocked: rescoring never suggests it again, and it cannot be reviewed twice.
    services.score_tags(now=NOW)
    assert "sodapass" not in open_tags()
    with pytest.raises(Conflict):
        services.approve(soda.pk, actor=lead, reason="again")


def test_rejecting_teaches_and_keeps_the_tag_away_until_its_evidence_grows() -> None:
    small_world()
    services.score_tags(now=NOW)
    soda = open_tags()["sodapass"]
    before, _ = scoring.current_weights()
    done = services.reject(soda.pk, actor=staff(ADMIN), reason="an ordinary word")
    assert done.state == SuggestionState.REJECTED
    assert done.reason == "an ordinary word"
    after, bias = scoring.current_weights()
    for feature in (TagFeature.COOCCURRENCE, TagFeature.ACCOUNT_SHARE, TagFeature.PAGERANK):
        assert after[feature] < before[feature]
    assert after[TagFeature.REMOVED] == before[TagFeature.REMOVED]  # it was 0 for this tag
    assert bias < scoring.DEFAULT_BIAS
    event = AuditEvent.objects.get(action=DiscoveryEvent.SUGGESTION_REJECTED)
    assert event.data["support"] == 8
    assert event.data["reason"] == "an ordinary word"
    services.score_tags(now=NOW)
    assert "sodapass" not in open_tags()
    # A little more evidence is not enough ...
    ingest(posts("c1", ["bluefinch", "sodapass"], 5, prefix="c1m"))
    services.update_graph()
    services.score_tags(now=NOW)
    assert "sodapass" not in open_tags()
    # ... well beyond what was rejected (twice, and ten more) brings it back, as a new row.
    ingest(posts("c2", ["bluefinch", "sodapass"], 12, prefix="c2m"))
    services.update_graph()
    services.score_tags(now=NOW)
    back = open_tags()["sodapass"]
    assert back.pk != soda.pk
    assert back.support >= 2 * 8
    assert TagSuggestion.objects.get(pk=soda.pk).state == SuggestionState.REJECTED


def test_learning_stays_within_its_bounds() -> None:
    features = {f: 1.0 for f in scoring.FEATURES}
    lo, hi = scoring.WEIGHT_BOUNDS
    for label in (False, True):
        for _ in range(300):
            with transaction.atomic():
                scoring.learn(features, label=label)
        weights, bias = scoring.current_weights()
        assert all(lo <= w <= hi for w in weights.values())
        assert scoring.BIAS_BOUNDS[0] <= bias <= scoring.BIAS_BOUNDS[1]
        learnt = scoring.combine(features, weights, bias)
        assert (learnt > 0.5) if label else (learnt < 0.5)
    assert RankingModel.objects.get(name=scoring.RANKING).labels == 600


def test_who_may_see_and_review_suggestions() -> None:
    small_world()
    services.score_tags(now=NOW)
    soda = open_tags()["sodapass"]
    moderator = staff(MODERATOR)
    assert [s.tag for s in services.suggestions(actor=moderator)]
    assert services.suggestion(soda.pk, actor=moderator).tag == "sodapass"
    with pytest.raises(Forbidden):
        services.approve(soda.pk, actor=moderator, reason="mine")
    with pytest.raises(Forbidden):
        services.reject(soda.pk, actor=moderator, reason="mine")
    with pytest.raises(Forbidden):
        services.suggestions(actor=staff(AUDITOR))
    with pytest.raises(Forbidden):
        services.account_leads(actor=staff(AUDITOR))
    assert TagSuggestion.objects.get(pk=soda.pk).state == SuggestionState.OPEN


def test_hostile_review_input_is_refused_clearly() -> None:
    small_world()
    services.score_tags(now=NOW)
    soda = open_tags()["sodapass"]
    lead = staff(LEAD)
    with pytest.raises(Invalid):
        services.reject(soda.pk, actor=lead, reason="   ")
    with pytest.raises(Invalid):
        services.reject(soda.pk, actor=lead, reason="x" * (services.MAX_REASON + 1))
    with pytest.raises(Invalid):
        services.approve(soda.pk, actor=lead, reason="ok", match="regex")
    with pytest.raises(NotFound):
        services.approve(10**9, actor=lead, reason="ok")
    with pytest.raises(NotFound):
        services.reject(10**30, actor=lead, reason="ok")
    with pytest.raises(Invalid):
        services.reject("1; drop table", actor=lead, reason="ok")
    with pytest.raises(Invalid):
        services.suggestion("\x00")
    assert services.suggestion(str(soda.pk)).tag == "sodapass"
    with pytest.raises(Invalid):
        services.suggestions(state="maybe")
    with pytest.raises(Invalid):
        services.suggestions(limit=0)
    assert not AuditEvent.objects.filter(action__startswith="tag_suggestion.").exists()


def test_rejected_suggestions_list_newest_first() -> None:
    small_world()
    ingest(posts("c1", ["bluefinch", "velvetmoth"], 4, prefix="c1v"))
    ingest(posts("c2", ["bluefinch", "velvetmoth"], 4, prefix="c2v"))
    services.update_graph()
    services.score_tags(now=NOW)
    found = open_tags()
    lead = staff(LEAD)
    services.reject(found["sodapass"].pk, actor=lead, reason="first")
    services.reject(found["velvetmoth"].pk, actor=lead, reason="second")
    assert [s.tag for s in services.suggestions(SuggestionState.REJECTED)] == [
        "velvetmoth",
        "sodapass",
    ]
