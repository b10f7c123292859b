"""The tag sweep: every seen hashtag a rule catches gets one suppress_hashtag for its exact
spelling, a new rule sweeps the tags already seen, a removed rule lifts what it alone held."""

from __future__ import annotations

import pytest

from shieldwall.core.actors import Actor
from shieldwall.core.worker import Job
from shieldwall.integrations import services as integrations
from shieldwall.integrations.kinds import ActionKind
from shieldwall.integrations.models import Action
from shieldwall.subjects.services import ingest_events
from shieldwall.terms import jobs, services
from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource
from shieldwall.terms.models import TagSuppression, TagSweep
from shieldwall.terms.sweep import sweep_step
from tests.subjects.builders import post
from tests.terms.rules_support import LEAD, _fresh_matcher  # noqa: F401

pytestmark = pytest.mark.django_db


def posted(actor: Actor, post_id: str, *tags: str) -> None:
    ingest_events(events=[post(post_id, "a1", hashtags=list(tags))], actor=actor)


def actions(kind: str) -> list[str]:
    return sorted(Action.objects.filter(kind=kind).values_list("subject_id", flat=True))


def sweep() -> int:
    total = 0
    while n := sweep_step(batch=2):  # small batches: the cursor moves over several rounds
        total += n
    return total


def test_the_worker_runs_the_sweep() -> None:
    (job,) = jobs.JOBS
    assert isinstance(job, Job)
    assert (job.name, job.kind, job.step) == ("tag-sweep", "loop", sweep_step)


def test_a_new_rule_sweeps_the_tags_already_seen_once(actor: Actor) -> None:
    posted(actor, "p1", "Sunset", "BlueFinch")
    posted(actor, "p2", "blue_finch", "beach", "xxvelvetmothxx")
    posted(actor, "p3", "velvetmoth")
    assert sweep() > 0  # tags read, nothing caught
    assert not Action.objects.exists()
    services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    services.add_rule(term="velvetmoth", actor=LEAD, reason="r", match=MatchKind.CONTAINS)
    sweep()
    # The platform's spelling as stored (normalised by subjects), one action each.
    caught = ["blue_finch", "bluefinch", "velvetmoth", "xxvelvetmothxx"]
    assert actions(ActionKind.SUPPRESS_HASHTAG) == caught
    rows = {s.hashtag: s for s in TagSuppression.objects.all()}
    assert sorted(rows) == caught
    for name, row in rows.items():
        action = Action.objects.get(public_id=row.action_id)
        assert (action.subject_id, action.kind, action.origin) == (
            name,
            ActionKind.SUPPRESS_HASHTAG,
            f"term_rule:{row.rule_id}",
        )
    # Idempotent: more rounds and a sweep from the start send nothing again.
    assert sweep() == 0
    TagSweep.objects.update(rules_version="", cursor=0)
    sweep()
    assert Action.objects.count() == 4


def test_tags_seen_later_are_caught_as_they_come(actor: Actor) -> None:
    services.add_rule(term="sodapass", actor=LEAD, reason="r")
    posted(actor, "p1", "beach")
    sweep()
    assert not Action.objects.exists()
    posted(actor, "p2", "SodaPass", "beach")
    assert sweep() > 0
    assert actions(ActionKind.SUPPRESS_HASHTAG) == ["sodapass"]


def test_removing_a_rule_lifts_only_what_it_alone_held(actor: Actor) -> None:
    posted(actor, "p1", "velvetmoth", "velvetmothsale", "sunset")
    exact = services.add_rule(term="velvetmoth", actor=LEAD, reason="r")
    contains = services.add_rule(
        term="velvetmoth", actor=LEAD, reason="r", match=MatchKind.CONTAINS
    )
    sweep()
    assert actions(ActionKind.SUPPRESS_HASHTAG) == ["velvetmoth", "velvetmothsale"]
    services.remove_rule(rule_id=exact.pk, actor=LEAD, reason="r")
    sweep()
    assert not Action.objects.filter(kind=ActionKind.UNSUPPRESS_HASHTAG).exists()
    assert TagSuppression.objects.filter(lifted_at__isnull=True).count() == 2
    # The tag the exact rule had caught is now held by the contains rule.
    assert {s.rule_id for s in TagSuppression.objects.filter(lifted_at__isnull=True)} == {
        contains.pk
    }
    services.remove_rule(rule_id=contains.pk, actor=LEAD, reason="r")
    sweep()
    assert actions(ActionKind.UNSUPPRESS_HASHTAG) == ["velvetmoth", "velvetmothsale"]
    lifted = TagSuppression.objects.get(hashtag="velvetmoth")
    assert lifted.lifted_at is not None
    assert Action.objects.get(public_id=lifted.lift_action_id).kind == ActionKind.UNSUPPRESS_HASHTAG
    assert services.suppressions() == []
    assert len(services.suppressions(rule_id=contains.pk, active=False)) == 2
    # Blocked again later: suppressed again, with a new record.
    services.add_rule(term="velvetmothsale", actor=LEAD, reason="again")
    sweep()
    assert actions(ActionKind.SUPPRESS_HASHTAG).count("velvetmothsale") == 2
    assert [s.hashtag for s in services.suppressions()] == ["velvetmothsale"]


def test_an_exception_lifts_the_tag_it_keeps_open(actor: Actor) -> None:
    posted(actor, "p1", "velvetmothwatch")
    services.add_rule(term="velvetmoth", actor=LEAD, reason="r", match=MatchKind.CONTAINS)
    sweep()
    assert actions(ActionKind.SUPPRESS_HASHTAG) == ["velvetmothwatch"]
    services.add_rule(term="velvetmothwatch", actor=LEAD, reason="ok", effect=RuleEffect.ALLOW)
    sweep()
    assert actions(ActionKind.UNSUPPRESS_HASHTAG) == ["velvetmothwatch"]


def test_a_suppression_a_case_decision_sent_is_not_sent_again(actor: Actor) -> None:
    posted(actor, "p1", "quietlantern")
    rule = services.add_rule(
        term="quietlantern", actor=LEAD, reason="decided", source=RuleSource.CASE, case_id="C-1"
    )
    decided = integrations.issue_action(
        kind=ActionKind.SUPPRESS_HASHTAG, subject_id="quietlantern", reason="case", actor=actor
    )
    assert services.note_suppressed(
        hashtag="quietlantern", rule_id=rule.pk, action_id=decided.public_id
    )
    assert not services.note_suppressed(hashtag="quietlantern", rule_id=rule.pk, action_id="x")
    sweep()
    assert actions(ActionKind.SUPPRESS_HASHTAG) == ["quietlantern"]  # the decision's only
    services.remove_rule(rule_id=rule.pk, actor=LEAD, reason="r")
    sweep()
    assert actions(ActionKind.UNSUPPRESS_HASHTAG) == ["quietlantern"]


def test_new_tags_are_caught_at_once_while_old_ones_are_swept_again(actor: Actor) -> None:
    for n in range(8):
        posted(actor, f"old{n}", f"ordinary{n}", f"{'x' * n}velvetmoth")
    sweep()
    services.add_rule(term="velvetmoth", actor=LEAD, reason="r", match=MatchKind.CONTAINS)
    services.forget_matcher()
    posted(actor, "new1", "VelvetMothNew")
    sweep_step(batch=2)  # one round: the new tag first, then two of the old ones
    assert "velvetmothnew" in actions(ActionKind.SUPPRESS_HASHTAG)
    assert TagSweep.objects.get().resweep_at is not None  # the re-sweep is still under way
    # Another change of rules while it runs restarts the re-sweep, never the new tags.
    services.add_rule(term="sodapass", actor=LEAD, reason="r")
    services.forget_matcher()
    posted(actor, "new2", "sodapass")
    sweep_step(batch=2)
    assert "sodapass" in actions(ActionKind.SUPPRESS_HASHTAG)
    sweep()
    caught = actions(ActionKind.SUPPRESS_HASHTAG)
    assert [t for t in caught if "velvetmoth" in t] == sorted(
        ["velvetmothnew", *(f"{'x' * n}velvetmoth" for n in range(8))]
    )
    assert len(caught) == len(set(caught))  # one action per spelling
    assert TagSweep.objects.get().resweep_at is None
