"""Decisions as data: the registry drives what is issued, the take-down flow is shared, and
every decision (desk, bulk, automated) leaves a record that statements of reasons can read."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError

from shieldwall.banks import services as banks
from shieldwall.banks.kinds import BankKind
from shieldwall.banks.models import Bank, BankEntry
from shieldwall.cases import decisions, takedown
from shieldwall.cases import services as cases
from shieldwall.cases.decisions import DECISIONS, DecisionSpec, Grounds
from shieldwall.cases.models import Case, CaseState, Decision, DecisionKind
from shieldwall.cases.scan_signals import file_scan_signals
from shieldwall.core import audit
from shieldwall.core.actors import SYSTEM, Actor
from shieldwall.core.errors import Invalid, NotFound
from shieldwall.core.models import AuditEvent
from shieldwall.integrations.kinds import ActionKind
from shieldwall.integrations.models import Action
from shieldwall.matching.services import scan_bytes
from shieldwall.reports.categories import Category
from shieldwall.reports.models import Report
from shieldwall.subjects.kinds import SubjectType
from tests.cases.test_cases import SPAM, posted, report
from tests.cases.test_desk_reading import _reported
from tests.photos import jpeg, photo

pytestmark = pytest.mark.django_db


def test_a_new_decision_is_one_registry_entry(actor: Actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    spec = DecisionSpec(
        key="limited_for_good",
        label="Post limited",
        verb="Limit post",
        shortcut="l",
        effect="The post and its copies are limited on the platform.",
        applies_to=frozenset({SubjectType.POST}),
        actions=(ActionKind.LIMIT_POST,),
    )
    monkeypatch.setitem(DECISIONS, spec.key, spec)
    case = report(actor, "p1", SPAM, additional_posts=["p2"])
    assert spec in decisions.desk_decisions(SubjectType.POST, has_media=False)
    cases.decide(case_id=case.public_id, decision=spec.key, actor=actor, note="placeholder")
    case.refresh_from_db()
    assert (case.state, case.decision) == (CaseState.CLOSED, spec.key)
    limited = Action.objects.filter(kind=ActionKind.LIMIT_POST)
    assert sorted(limited.values_list("subject_id", flat=True)) == ["p1", "p2"]
    record = Decision.objects.get(case=case)
    assert record.key == spec.key
    assert set(record.actions.all()) == set(limited)
    assert set(Report.objects.values_list("status", flat=True)) == {"actioned"}
    event = AuditEvent.objects.get(action="case.decide", subject_id=case.public_id)
    assert event.data["record"] == record.public_id


def test_a_spec_the_case_could_not_store_is_refused_at_once() -> None:
    fits = frozenset({SubjectType.POST})
    with pytest.raises(ValueError, match="1 to 24"):
        DecisionSpec("x" * 25, "Long", "Long", "q", "Too long to store.", fits)
    with pytest.raises(ValueError, match="shortcut"):
        DecisionSpec("keyless", "Keyless", "Keyless", "", "No key on the desk.", fits)


def test_a_decision_outside_its_subjects_is_refused(actor: Actor) -> None:
    tag = _reported(actor, "hashtag", "placeholdertag")
    with pytest.raises(Invalid) as refused:
        cases.decide(case_id=tag.public_id, decision="removed_post", actor=actor)
    assert refused.value.code == "invalid_decision"
    case = report(actor, "p1", SPAM)
    # Suppressing hashtags fits a post, but one without hashtags has none to suppress.
    with pytest.raises(Invalid) as refused:
        cases.decide(case_id=case.public_id, decision="suppressed_hashtag", actor=actor)
    assert refused.value.code == "no_hashtag_chosen"
    # An automated decision is no desk button, whatever its subjects.
    with pytest.raises(Invalid):
        cases.decide(case_id=case.public_id, decision=DecisionKind.LIMITED_POST, actor=actor)
    assert not Decision.objects.exists()
    assert not Action.objects.exists()


def test_the_desk_offers_each_subject_its_decisions_in_button_order() -> None:
    keys = [s.key for s in decisions.desk_decisions(SubjectType.POST, has_media=True)]
    assert keys == ["removed_post", "removed_media", "suspended_account", "no_violation"]
    without_media = decisions.desk_decisions(SubjectType.POST, has_media=False)
    assert "removed_media" not in [s.key for s in without_media]
    hashtag = [s.key for s in decisions.desk_decisions(SubjectType.HASHTAG, has_media=False)]
    assert hashtag == ["suppressed_hashtag", "no_violation"]
    tagged = decisions.desk_decisions(SubjectType.POST, has_media=False, has_hashtags=True)
    assert "suppressed_hashtag" in [s.key for s in tagged]
    assert [s.key for s in decisions.desk_order()] == [
        "removed_post",
        "removed_media",
        "suspended_account",
        "suppressed_hashtag",
        "no_violation",
    ]
    shortcuts = [s.shortcut for s in decisions.desk_order()]
    assert len(shortcuts) == len(set(shortcuts))
    assert all(s.label == DecisionKind(s.key).label for s in DECISIONS.values())


def test_a_desk_removal_records_who_why_every_copy_and_its_actions(actor: Actor) -> None:
    case = report(actor, "p1", SPAM, additional_posts=["p2", "p3"])
    cases.decide(
        case_id=case.public_id,
        decision="removed_post",
        actor=actor,
        note="placeholder note",
        post_ids=["p2"],
    )
    record = Decision.objects.get(case=case)
    assert (record.actor, record.automated) == (actor.label, False)
    assert (record.key, record.category, record.note) == (
        "removed_post",
        Category.SPAM,
        "placeholder note",
    )
    subjects = set(record.subjects.values_list("subject_type", "subject_id"))
    assert subjects == {("post", "p1"), ("post", "p2")}
    assert set(record.actions.values_list("subject_id", flat=True)) == {"p1", "p2"}
    (read,) = decisions.decisions_for_subject("post", "p2")  # a copy finds the decision
    assert read == decisions.decision_record(record.public_id)
    assert read.case_id == case.public_id
    assert read.label == "Post removed"
    assert sorted(read.action_ids) == sorted(record.actions.values_list("public_id", flat=True))
    assert decisions.decisions_for_subject("post", "p3") == []


def test_no_violation_records_its_subject_and_no_action(actor: Actor) -> None:
    case = report(actor, "p1", SPAM)
    cases.decide(case_id=case.public_id, decision="no_violation", actor=actor)
    (read,) = decisions.decisions_for_subject("post", "p1")
    assert read.subjects == (("post", "p1"),)
    assert read.action_ids == ()


def test_an_unknown_decision_record_is_not_found() -> None:
    with pytest.raises(NotFound):
        decisions.decision_record("dec_nothing")


def test_bulk_decisions_write_one_record_each(actor: Actor) -> None:
    ids = [report(actor, f"p{n}", SPAM).public_id for n in range(3)]
    assert cases.bulk_decide(case_ids=ids, decision="removed_post", actor=actor) == 3
    records = Decision.objects.filter(key="removed_post")
    assert sorted(records.values_list("case__public_id", flat=True)) == sorted(ids)


def test_an_interim_limit_is_an_automated_decision_that_keeps_the_case_open(
    actor: Actor,
) -> None:
    for n in range(4):
        case = report(actor, "p1", reporter=f"u{n}")
    case.refresh_from_db()
    assert case.limited
    assert case.is_open
    record = Decision.objects.get(case=case)
    assert (record.key, record.actor, record.automated) == (
        DecisionKind.LIMITED_POST,
        SYSTEM.label,
        True,
    )
    assert list(record.actions.values_list("kind", "reason")) == [
        (ActionKind.LIMIT_POST, "interim_cse_review")
    ]
    cases.decide(case_id=case.public_id, decision="no_violation", actor=actor)
    assert [r.key for r in decisions.decisions_for_subject("post", "p1")] == [
        "limited_post",
        "no_violation",
    ]


def test_cases_from_scan_signals_decide_nothing(actor: Actor) -> None:
    data = jpeg(photo("astronaut"))
    banks.create_bank(name="known", actor=actor, action="block", kind="verified_csam", reason="t")
    banks.add_media(bank_name="known", data=data, actor=actor, reason="t")
    scan_bytes(data=data, actor=actor, media_id="m-1", post_id="p-1", account_id="acct-1")
    file_scan_signals()
    assert Case.objects.filter(subject_type="account").exists()
    assert not Decision.objects.exists()


def test_a_removal_request_takes_down_through_the_same_flow(actor: Actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Without a case, with its own grounds, into the bank its category calls for."""
    image = jpeg(photo("coffee"))
    posted(actor, "p7", image)
    own = takedown.BankTarget("ncii-removed", BankKind.NCII)
    monkeypatch.setitem(takedown.BANK_FOR_CATEGORY, Category.NCII, own)
    done = takedown.take_down(
        takedown.Takedown(
            subject=("post", "p7"),
            grounds=Grounds(category=Category.NCII, policy="removal_request", note="placeholder"),
            actions=(ActionKind.REMOVE_POST,),
            reason="removal_request",
            posts=("p7",),
            bank=decisions.BankEffect.BANK_REMOVED,
            bank_note="request r1",
        ),
        actor=SYSTEM,
    )
    assert [a.subject_id for a in done.actions] == ["p7"]
    assert Bank.objects.get(name="ncii-removed").kind == BankKind.NCII
    assert BankEntry.objects.filter(bank__name="ncii-removed", signal_type="pdq").exists()
    assert not Bank.objects.filter(name="platform-removed").exists()
    assert scan_bytes(data=image, actor=actor).verdict == "block"
    (read,) = decisions.decisions_for_subject("post", "p7")
    assert (read.key, read.case_id, read.automated) == ("removal_request", "", True)


def test_every_category_banks_into_platform_removed_by_default() -> None:
    assert {takedown.bank_for(c).name for c in Category} == {"platform-removed"}
    assert takedown.bank_for("not_a_category") == takedown.PLATFORM_REMOVED


def test_an_unknown_account_refuses_the_whole_take_down(actor: Actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    both = replace(
        DECISIONS["removed_post"],
        key="removed_post_and_account",
        shortcut="b",
        actions=(ActionKind.REMOVE_POST, ActionKind.SUSPEND_ACCOUNT),
    )
    monkeypatch.setitem(DECISIONS, both.key, both)
    case = report(actor, "p-unknown", SPAM)
    with pytest.raises(Invalid) as refused:
        cases.decide(case_id=case.public_id, decision=both.key, actor=actor)
    assert refused.value.code == "unknown_account"
    assert not Action.objects.exists()
    assert not Decision.objects.exists()


def test_every_event_cases_record_is_a_declared_event_type(actor: Actor) -> None:
    case = report(actor, "p1", SPAM)
    cases.acknowledge(case_id=case.public_id, actor=actor)
    cases.comment(case_id=case.public_id, text="placeholder", actor=actor)
    cases.escalate(case_id=case.public_id, actor=actor)
    cases.decide(case_id=case.public_id, decision="removed_post", actor=actor)
    ours = ("case.", "report.", "reports.")
    written = {a for a in AuditEvent.objects.values_list("action", flat=True) if a.startswith(ours)}
    assert {"case.open", "reports.filed", "case.decide", "case.escalate"} <= written
    assert written <= set(audit.event_types())


def test_case_fields_refuse_values_outside_their_vocabulary() -> None:
    case = Case(
        public_id="case_x",
        subject_type="planet",
        subject_id="x",
        category="not_a_category",
        tier=3,
        opened_at="2026-01-01T00:00Z",
        deadline_at="2026-01-01T00:00Z",
    )
    with pytest.raises(ValidationError) as refused:
        case.full_clean()
    assert {"subject_type", "category"} <= set(refused.value.message_dict)
