"""The discovery goals at a small size: a community rotating new placeholder tags among
ordinary traffic, with a harmless viral decoy, fed through the real path (subjects' ingest,
the graph job, the scoring, the accounts). bench/bench_discovery.py runs it realistic-sized
and prints the figures, with the graph's rate against its baseline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bench.bench_discovery import make_world, simulate

from shieldwall.cases.models import Case
from shieldwall.discovery import scoring
from shieldwall.discovery.models import TagSuggestion
from shieldwall.integrations.models import Action, ActionKind
from shieldwall.terms.models import TermRule

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world() -> Any:
    return make_world("small")


@pytest.fixture
def figures(world: Any, settings: Any) -> Iterator[dict[str, Any]]:
    scoring.forget_graph()
    yield simulate(world, baseline=False, max_cases=10)
    scoring.forget_graph()


def test_the_world_is_what_the_goals_are_measured_on(world: Any) -> None:
    posted = [e for e in world.events if e["type"] == "post.created"]
    tags = [t for e in posted for t in e["data"]["hashtags"]]
    assert len(world.new_tags) >= 20  # enough unblocked community tags for precision at 20
    assert set(world.new_tags).isdisjoint(world.blocked_tags)
    assert world.decoy not in world.new_tags
    decoy_users = {e["data"]["account_id"] for e in posted if world.decoy in e["data"]["hashtags"]}
    assert len(decoy_users - world.community) > 100  # many ordinary accounts, suddenly
    assert len(set(tags)) > 300
    assert world.removed_posts


def test_the_discovery_goals_hold(figures: dict[str, Any], world: Any) -> None:
    assert figures["uses"] == sum(
        len(e["data"]["hashtags"]) for e in world.events if e["type"] == "post.created"
    )
    assert figures["precision_at_20"] >= 0.9
    assert figures["decoy_suggested"] is False
    assert figures["decoy_rank"] is None or figures["decoy_rank"] > 20
    assert not TagSuggestion.objects.filter(tag__in=world.blocked_tags).exists()
    assert figures["cases_opened"] == 10
    assert figures["cases_precision"] >= 0.9
    assert figures["leads_precision_at_k"] >= 0.8


def test_accounts_get_one_case_each_and_nothing_is_done_automatically(
    figures: dict[str, Any], world: Any
) -> None:
    subjects = list(Case.objects.values_list("subject_id", flat=True))
    assert len(subjects) == len(set(subjects)) == 10 + figures["second_run_cases"]
    # The only actions are the simulation's own removals: no suspension, no new removal.
    kinds = set(Action.objects.values_list("kind", flat=True))
    assert kinds == {ActionKind.REMOVE_POST}
    assert Action.objects.count() == len(world.removed_posts)
    assert TermRule.objects.count() == len(world.blocked_tags)  # no rule without staff
