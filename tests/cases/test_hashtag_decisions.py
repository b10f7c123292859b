""" "Suppress hashtag" on hashtag and post cases: each tag gets an exact term rule made by
the case (so every other spelling and every search is caught too) and a suppress_hashtag
action in the platform's own spelling; the desk shows both truthfully."""

from __future__ import annotations

import pytest
from django.test import Client

from shieldwall.cases import services as cases
from shieldwall.cases.events import CaseEvent
from shieldwall.cases.models import Case, CaseState, Decision
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Conflict, Forbidden, Invalid, ServiceError
from shieldwall.core.models import AuditEvent
from shieldwall.core.roles import user_actor
from shieldwall.core.staff import create_staff_user
from shieldwall.integrations.kinds import ActionKind
from shieldwall.integrations.models import Action
from shieldwall.reports.services import ReportIn, submit_report
from shieldwall.subjects.services import ingest_events
from shieldwall.terms import services as terms
from shieldwall.terms.events import TermEvent
from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource
from shieldwall.terms.models import TermRule
from shieldwall.terms.normalise import term_key
from tests.cases.test_cases import SPAM, report
from tests.cases.test_desk import HX, PASSWORD, login
from tests.subjects.builders import event, post

pytestmark = pytest.mark.django_db

# Placeholders only. The first is spelt with a Cyrillic ie (U+0435): the platform's spelling.
EVASIVE = "blu\u0435finch"
TAGS = [EVASIVE, "sodapass", "quietlantern"]


def _moderator(actor: Actor) -> Actor:
    return _staff(actor, "mod-1", "moderator")


def _staff(actor: Actor, username: str, role: str) -> Actor:
    user, _ = create_staff_user(username=username, roles=[role], actor=actor, password=PASSWORD)
    return user_actor(user)


def _tagged_post(actor: Actor, post_id: str = "p1", tags: list[str] | None = None) -> Case:
    """A reported post that the platform told us carries these hashtags."""
    tags = TAGS if tags is None else tags
    ingest_events(
        events=[
            event("account.created", account_id="a1", handle="poster"),
            post(
                post_id,
                "a1",
                1,
                text="placeholder " + " ".join(f"#{t}" for t in tags),
                hashtags=tags,
            ),
        ],
        actor=actor,
    )
    return report(actor, post_id, SPAM)


def _tag_case(actor: Actor, tag: str, *, key: str = "tag-report") -> Case:
    """A filed spam report about a hashtag."""
    stored, _ = submit_report(
        report=ReportIn(
            idempotency_key=key,
            subject_type="hashtag",
            subject_id=tag,
            has_media=False,
            path=[("report_hashtag", "start"), *SPAM[1:]],
            fields={},
            reporter_id="u1",
        ),
        actor=actor,
    )
    cases.file_pending_reports()
    return Case.objects.get(case_reports__report=stored)


def _decided_event(case: Case) -> AuditEvent:
    return AuditEvent.objects.get(action=CaseEvent.DECIDED, subject_id=case.public_id)


def test_a_hashtag_case_makes_an_exact_rule_and_suppresses_the_tag(actor: Actor) -> None:
    moderator = _moderator(actor)
    assert not moderator.can("terms.manage_rules")  # moderators decide without managing rules
    case = _tag_case(actor, "velvetmoth")
    cases.decide(
        case_id=case.public_id,
        decision="suppressed_hashtag",
        actor=moderator,
        note="sold as a code word",
    )
    rule = TermRule.objects.get()
    assert (rule.term, rule.key, rule.match, rule.effect) == (
        "velvetmoth",
        term_key("velvetmoth"),
        MatchKind.EXACT,
        RuleEffect.BLOCK,
    )
    assert (rule.source, rule.case_id, rule.created_by) == (
        RuleSource.CASE,
        case.public_id,
        "user:mod-1",
    )
    assert "sold as a code word" in rule.reason
    assert case.public_id in rule.reason
    action = Action.objects.get()
    assert (action.kind, action.subject_id) == (ActionKind.SUPPRESS_HASHTAG, "velvetmoth")
    added = AuditEvent.objects.get(action=TermEvent.RULE_ADDED)
    assert added.actor == "user:mod-1"
    assert added.subject_id == str(rule.pk)
    decided = _decided_event(case)
    assert decided.data["rules"] == [rule.pk]
    assert decided.data["hashtags"] == ["velvetmoth"]
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSED
    # The rule is live for the platform's checks at once.
    assert terms.check_tags(["velvetmoth"])[0].suppressed


def test_deciding_the_same_tag_again_makes_no_second_rule(actor: Actor) -> None:
    moderator = _moderator(actor)
    first = _tag_case(actor, "velvetmoth")
    cases.decide(case_id=first.public_id, decision="suppressed_hashtag", actor=moderator)
    with pytest.raises(Conflict):  # the same case, decided twice (a double submit)
        cases.decide(case_id=first.public_id, decision="suppressed_hashtag", actor=moderator)
    # A later report on the same tag opens a new case; deciding it finds the rule in place.
    second = _tag_case(actor, "velvetmoth", key="again")
    assert second.pk != first.pk
    cases.decide(case_id=second.public_id, decision="suppressed_hashtag", actor=moderator)
    rule = TermRule.objects.get()
    assert rule.case_id == first.public_id
    assert _decided_event(second).data["rules"] == [rule.pk]
    assert AuditEvent.objects.filter(action=TermEvent.RULE_ADDED).count() == 1
    assert Decision.objects.count() == 2
    assert Action.objects.filter(kind=ActionKind.SUPPRESS_HASHTAG).count() == 2


def test_a_post_case_suppresses_the_ticked_hashtags_in_their_own_spelling(actor: Actor) -> None:
    moderator = _moderator(actor)
    case = _tagged_post(actor)
    cases.decide(
        case_id=case.public_id,
        decision="suppressed_hashtag",
        actor=moderator,
        hashtags=[EVASIVE, "sodapass"],
    )
    rules = list(TermRule.objects.order_by("pk"))
    assert [r.term for r in rules] == [EVASIVE, "sodapass"]
    assert all(r.source == RuleSource.CASE and r.case_id == case.public_id for r in rules)
    assert [r.key for r in rules] == [term_key(EVASIVE), term_key("sodapass")]
    sent = list(Action.objects.order_by("seq").values_list("kind", "subject_id"))
    assert sent == [
        (ActionKind.SUPPRESS_HASHTAG, EVASIVE),
        (ActionKind.SUPPRESS_HASHTAG, "sodapass"),
    ]
    decided = _decided_event(case)
    assert decided.data["hashtags"] == [EVASIVE, "sodapass"]
    assert decided.data["rules"] == [r.pk for r in rules]
    record = Decision.objects.get()
    subjects = set(record.subjects.values_list("subject_type", "subject_id"))
    assert subjects == {("post", "p1"), ("hashtag", EVASIVE), ("hashtag", "sodapass")}
    # Each tag on its own, as its tag page is checked (side by side, glued terms may join).
    assert [terms.check_tags([t])[0].suppressed for t in TAGS] == [True, True, False]


def test_a_post_case_refuses_no_tag_or_a_tag_not_on_the_post(actor: Actor) -> None:
    moderator = _moderator(actor)
    case = _tagged_post(actor)
    for chosen, code in (
        (None, "no_hashtag_chosen"),
        ([], "no_hashtag_chosen"),
        (["bluefinch"], "unknown_hashtag"),  # the plain spelling is not what the post carries
        ([EVASIVE, "somethingelse"], "unknown_hashtag"),
    ):
        with pytest.raises(Invalid) as refused:
            cases.decide(
                case_id=case.public_id,
                decision="suppressed_hashtag",
                actor=moderator,
                hashtags=chosen,
            )
        assert refused.value.code == code
        assert refused.value.field == "hashtags"
    assert not TermRule.objects.exists()
    assert not Action.objects.exists()
    assert Case.objects.get(pk=case.pk).is_open


def test_a_tag_without_letters_refuses_the_whole_decision(actor: Actor) -> None:
    case = _tagged_post(actor, tags=["___", "sodapass"])
    with pytest.raises(ServiceError) as refused:
        cases.decide(
            case_id=case.public_id,
            decision="suppressed_hashtag",
            actor=_moderator(actor),
            hashtags=["___", "sodapass"],
        )
    assert refused.value.field == "term"
    assert not TermRule.objects.exists()
    assert not Action.objects.exists()


def test_only_a_case_decision_skips_the_manage_rules_check(actor: Actor) -> None:
    moderator = _moderator(actor)
    with pytest.raises(Forbidden):
        terms.add_rule(term="velvetmoth", actor=moderator, reason="x")
    triage = _staff(actor, "tri-1", "triage")
    case = _tag_case(actor, "velvetmoth")
    with pytest.raises(Forbidden):
        cases.decide(case_id=case.public_id, decision="suppressed_hashtag", actor=triage)
    assert not TermRule.objects.exists()


# --- the desk -------------------------------------------------------------------------------


def test_the_post_case_page_lists_the_tags_and_the_h_key_opens_them(actor: Actor) -> None:
    case = _tagged_post(actor)
    moderator = login(actor, "moderator")
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert 'data-key="h" data-confirm="confirm-suppressed_hashtag"' in page
    for tag in TAGS:
        assert f'<input type="checkbox" name="hashtags" value="{tag}"' in page
    assert '<tr data-shortcut="h">' in page
    untagged = report(actor, "p2", SPAM)
    page = moderator.get(f"/desk/case/{untagged.public_id}").content.decode()
    assert "confirm-suppressed_hashtag" not in page


def test_the_desk_decision_shows_the_rule_and_the_action(actor: Actor) -> None:
    case = _tagged_post(actor)
    moderator = login(actor, "moderator")
    r = moderator.post(
        f"/desk/case/{case.public_id}/decide",
        {"decision": "suppressed_hashtag", "choose_hashtags": "1", "hashtags": ["sodapass"]},
        headers=HX,
    )
    assert r.status_code == 200
    rule = TermRule.objects.get()
    html = r.content.decode()
    assert f'href="/desk/terms/?show=all#rule-{rule.pk}">Rule {rule.pk}</a>' in html
    assert "made by this decision" in html
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert f'data-rule="{rule.pk}"' in page
    assert "<td>Suppress hashtag</td><td><code>sodapass</code></td>" in page
    assert "waiting for the platform to pull it" in page  # its delivery state, as for others
    # A second case whose decision finds the rule in place says so, not "made".
    other = _tagged_post(actor, "p3", ["sodapass"])
    r = moderator.post(
        f"/desk/case/{other.public_id}/decide",
        {"decision": "suppressed_hashtag", "choose_hashtags": "1", "hashtags": ["sodapass"]},
        headers=HX,
    )
    assert f"already in place (case decision of case {case.public_id})" in r.content.decode()
    # Once the rule is removed the case page says that too.
    lead = _staff(actor, "lead-9", "lead")
    terms.remove_rule(rule_id=rule.pk, actor=lead, reason="placeholder reason")
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert "removed since by user:lead-9" in page


def test_a_desk_decision_with_no_tag_ticked_says_so(actor: Actor) -> None:
    case = _tagged_post(actor)
    moderator = login(actor, "moderator")
    r = moderator.post(
        f"/desk/case/{case.public_id}/decide",
        {"decision": "suppressed_hashtag", "choose_hashtags": "1"},
        headers=HX,
    )
    assert r.status_code == 422
    assert b"Tick at least one of the post&#x27;s hashtags" in r.content
    r = moderator.post(
        f"/desk/case/{case.public_id}/decide",
        {"decision": "suppressed_hashtag", "choose_hashtags": "1", "hashtags": ["x\x00y" * 500]},
        headers=HX,
    )
    assert r.status_code == 422
    assert not TermRule.objects.exists()


def test_compliance_sees_the_rule_without_a_link(actor: Actor) -> None:
    case = _tag_case(actor, "velvetmoth")
    cases.decide(case_id=case.public_id, decision="suppressed_hashtag", actor=_moderator(actor))
    compliance = login(actor, "compliance")
    page = compliance.get(f"/desk/case/{case.public_id}").content.decode()
    rule = TermRule.objects.get()
    assert f"Rule {rule.pk}: block exact <code>velvetmoth</code>" in page
    assert "/desk/terms/" not in page
    assert isinstance(compliance, Client)


def test_the_case_page_says_which_tags_a_rule_already_catches(actor: Actor) -> None:
    rule = terms.add_rule(term="sodapass", actor=actor, reason="seeded")
    case = _tagged_post(actor)
    moderator = login(actor, "moderator")
    page = moderator.get(f"/desk/case/{case.public_id}").content.decode()
    assert page.count("data-caught=") == 1
    assert f'data-caught="{rule.pk}">already suppressed by rule {rule.pk}</span>' in page
    tag_case = _tag_case(actor, "sodapass")
    page = moderator.get(f"/desk/case/{tag_case.public_id}").content.decode()
    assert f"Rule {rule.pk} already suppresses this hashtag." in page
    other = _tag_case(actor, "velvetmoth", key="other")
    assert "data-caught" not in moderator.get(f"/desk/case/{other.public_id}").content.decode()


def test_a_bulk_decision_on_hashtag_cases_makes_a_rule_for_each(actor: Actor) -> None:
    lead = _staff(actor, "lead-2", "lead")
    first = _tag_case(actor, "velvetmoth", key="one")
    second = _tag_case(actor, "quietlantern", key="two")
    n = cases.bulk_decide(
        case_ids=[first.public_id, second.public_id], decision="suppressed_hashtag", actor=lead
    )
    assert n == 2
    made = dict(TermRule.objects.values_list("term", "case_id"))
    assert made == {"velvetmoth": first.public_id, "quietlantern": second.public_id}
    assert set(Action.objects.values_list("subject_id", flat=True)) == set(made)


def test_the_tag_sweep_sends_no_second_suppress_for_a_decided_tag_and_lifts_it_with_its_rule(
    actor: Actor,
) -> None:
    from shieldwall.terms.sweep import sweep_step

    _tagged_post(actor, tags=["velvetmoth"])
    case = _tag_case(actor, "velvetmoth")
    cases.decide(case_id=case.public_id, decision="suppressed_hashtag", actor=_moderator(actor))
    sweep_step()
    sweep_step()
    suppress = Action.objects.filter(kind=ActionKind.SUPPRESS_HASHTAG, subject_id="velvetmoth")
    assert suppress.count() == 1  # the decision's own action; the sweep knows it
    rule = TermRule.objects.get()
    terms.remove_rule(rule_id=rule.pk, actor=actor, reason="decided in error")
    terms.forget_matcher()
    sweep_step()
    lifted = Action.objects.filter(kind=ActionKind.UNSUPPRESS_HASHTAG, subject_id="velvetmoth")
    assert lifted.count() == 1


def test_a_tag_an_exception_keeps_open_is_refused_before_anything_is_sent(actor: Actor) -> None:
    terms.add_rule(term="quietheron", actor=actor, reason="ordinary", effect=RuleEffect.ALLOW)
    case = _tag_case(actor, "quietheron")
    with pytest.raises(ServiceError) as refused:
        cases.decide(case_id=case.public_id, decision="suppressed_hashtag", actor=_moderator(actor))
    assert "exception" in refused.value.message
    assert not Action.objects.exists()
    assert TermRule.objects.filter(effect=RuleEffect.BLOCK).count() == 0
    assert Case.objects.get(pk=case.pk).state != CaseState.CLOSED
