"""The rule verbs: validation, permissions, audit, idempotence, the cached matcher, re-keying,
and the operator's interstitial."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shieldwall.config import ConfigError, load_config
from shieldwall.core.actors import SYSTEM, Actor
from shieldwall.core.errors import Conflict, Forbidden, Invalid, NotFound
from shieldwall.core.models import AuditEvent
from shieldwall.terms import services
from shieldwall.terms.events import TermEvent
from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource
from shieldwall.terms.models import TermRule
from shieldwall.terms.normalise import normaliser_version, term_key
from tests.terms.rules_support import LEAD, MODERATOR, _fresh_matcher, configure  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_rule_is_added_with_its_key_and_audited(actor: Actor) -> None:
    rule = services.add_rule(term="BlueFinch", actor=LEAD, reason="seen in reports")
    assert (rule.term, rule.key, rule.match, rule.effect, rule.source) == (
        "BlueFinch",
        term_key("bluefinch"),
        MatchKind.EXACT,
        RuleEffect.BLOCK,
        RuleSource.STAFF,
    )
    assert rule.normaliser_version == normaliser_version()
    assert rule.created_by == LEAD.label
    event = AuditEvent.objects.get(action=TermEvent.RULE_ADDED)
    assert event.actor == LEAD.label
    assert event.subject_id == str(rule.pk)
    assert event.data["key"] == term_key("BlueFinch")
    assert event.data["reason"] == "seen in reports"
    assert event.data["source"] == "staff"


def test_the_same_rule_twice_is_one_rule_and_one_event() -> None:
    first = services.add_rule(term="bluefinch", actor=LEAD, reason="a")
    second = services.add_rule(term="BLUEFINCH", actor=LEAD, reason="b")
    assert first.pk == second.pk
    assert AuditEvent.objects.filter(action=TermEvent.RULE_ADDED).count() == 1
    # Another match or effect for the same key is another rule.
    other = services.add_rule(term="bluefinch", actor=LEAD, reason="c", match=MatchKind.CONTAINS)
    assert other.pk != first.pk


@pytest.mark.parametrize(
    ("term", "match", "code"),
    [
        ("", MatchKind.EXACT, "empty_term"),
        ("#.-_ ,;", MatchKind.EXACT, "empty_term"),
        ("x" * 201, MatchKind.EXACT, "too_long"),
        ("blue\x00finch", MatchKind.EXACT, "nul_character"),
        ("finch", MatchKind.CONTAINS, "term_too_short"),  # 5 < 6
        ("sodapa", MatchKind.NEAR, "term_too_short"),  # 6 < 7
    ],
)
def test_refused_terms_name_the_field(term: str, match: MatchKind, code: str) -> None:
    with pytest.raises(Invalid) as exc:
        services.add_rule(term=term, actor=LEAD, reason="r", match=match)
    assert (exc.value.code, exc.value.field) == (code, "term")
    assert not TermRule.objects.exists()
    assert not AuditEvent.objects.filter(action=TermEvent.RULE_ADDED).exists()


def test_the_minimum_lengths_are_the_operators() -> None:
    # (Terms whose keys are as long as they are written: no letters the normaliser splits.)
    services.add_rule(term="sunset", actor=LEAD, reason="r", match=MatchKind.CONTAINS)
    configure(terms_min_contains=8, terms_min_near=9)
    with pytest.raises(Invalid) as exc:
        services.add_rule(term="bravecat", actor=LEAD, reason="r", match=MatchKind.NEAR)
    assert "at least 9" in exc.value.message
    with pytest.raises(Invalid):
        services.add_rule(term="bravect", actor=LEAD, reason="r", match=MatchKind.CONTAINS)
    services.add_rule(term="bravecat", actor=LEAD, reason="r", match=MatchKind.CONTAINS)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"match": "glob"}, "match"),
        ({"effect": "maybe"}, "effect"),
        ({"source": "elsewhere"}, "source"),
        ({"reason": "r" * 2001}, "reason"),
        ({"reason": "a\x00b"}, "reason"),
        ({"case_id": "c" * 41}, "case_id"),
    ],
)
def test_bad_values_name_their_field(kwargs: dict[str, str], field: str) -> None:
    args = {"term": "bluefinch", "actor": LEAD, "reason": "r", **kwargs}
    with pytest.raises(Invalid) as exc:
        services.add_rule(**args)  # type: ignore[arg-type]
    assert exc.value.field == field


def test_only_rule_managers_add_and_remove() -> None:
    with pytest.raises(Forbidden):
        services.add_rule(term="bluefinch", actor=MODERATOR, reason="r")
    rule = services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    with pytest.raises(Forbidden):
        services.remove_rule(rule_id=rule.pk, actor=MODERATOR, reason="r")
    assert TermRule.objects.get().removed_at is None


def test_a_case_decision_makes_a_rule_without_manage_rules() -> None:
    # The cases app checked the moderator's right to decide before calling.
    rule = services.add_rule(
        term="quietlantern",
        actor=MODERATOR,
        reason="decided",
        source=RuleSource.CASE,
        case_id="C-0001",
    )
    assert (rule.source, rule.case_id, rule.created_by) == ("case", "C-0001", MODERATOR.label)
    assert AuditEvent.objects.get(action=TermEvent.RULE_ADDED).data["case_id"] == "C-0001"
    with pytest.raises(Invalid) as exc:  # but only naming its case
        services.add_rule(term="sodapass", actor=MODERATOR, reason="r", source=RuleSource.CASE)
    assert exc.value.field == "case_id"


def test_removing_is_audited_and_happens_once() -> None:
    rule = services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    services.remove_rule(rule_id=rule.pk, actor=LEAD, reason="mistake")
    rule.refresh_from_db()
    assert rule.removed_at is not None
    assert (rule.removed_by, rule.removed_reason) == (LEAD.label, "mistake")
    event = AuditEvent.objects.get(action=TermEvent.RULE_REMOVED)
    assert event.data["reason"] == "mistake"
    with pytest.raises(NotFound):
        services.remove_rule(rule_id=rule.pk, actor=LEAD, reason="again")
    with pytest.raises(NotFound):
        services.remove_rule(rule_id=99999, actor=LEAD, reason="none")
    # After removal the same term can be a rule again.
    assert services.add_rule(term="bluefinch", actor=LEAD, reason="back").pk != rule.pk


def test_list_rules_newest_first_and_removed_on_request() -> None:
    a = services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    b = services.add_rule(term="sodapass", actor=LEAD, reason="r")
    services.remove_rule(rule_id=a.pk, actor=LEAD, reason="r")
    assert [r.pk for r in services.list_rules(MODERATOR)] == [b.pk]
    assert [r.pk for r in services.list_rules(MODERATOR, include_removed=True)] == [b.pk, a.pk]
    with pytest.raises(Forbidden):
        services.list_rules(Actor(kind=SYSTEM.kind, name="nobody"))


def test_rule_for_tag_and_the_checks_follow_the_rules() -> None:
    assert services.rule_for_tag("bluefinch") is None
    rule = services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    found = services.rule_for_tag("BLUEFINCH")
    assert found is not None
    assert found.pk == rule.pk
    assert services.check_tags(["bluefinch", "harmless"])[0].suppressed
    assert not services.check_tags(["harmless"])[0].suppressed
    assert services.check_query("where bluefinch").suppressed
    services.remove_rule(rule_id=rule.pk, actor=LEAD, reason="r")
    assert services.rule_for_tag("bluefinch") is None
    assert not services.check_query("where bluefinch").suppressed


def test_the_matcher_is_reused_until_the_rules_change() -> None:
    services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    first = services.current_matcher()
    assert services.current_matcher() is first  # probed: unchanged, not rebuilt
    services.add_rule(term="sodapass", actor=LEAD, reason="r")
    second = services.current_matcher()
    assert second is not first
    assert services.check_tags(["sodapass"])[0].suppressed
    rule = TermRule.objects.get(term="sodapass")
    services.remove_rule(rule_id=rule.pk, actor=LEAD, reason="r")
    assert services.current_matcher() is not second
    assert not services.check_tags(["sodapass"])[0].suppressed


def test_between_probes_a_check_costs_no_query() -> None:
    services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    configure(index_refresh_seconds=60.0)
    services.check_tags(["warm"])
    with CaptureQueriesContext(connection) as queries:
        for _ in range(50):
            assert services.check_tags(["bluefinch"])[0].suppressed
            services.check_query("something bluefinch")
    assert len(queries) == 0
    # A rule added now is seen at the next probe, not before.
    services.add_rule(term="sodapass", actor=LEAD, reason="r")
    assert not services.check_tags(["sodapass"])[0].suppressed
    configure(index_refresh_seconds=0.0)
    assert services.check_tags(["sodapass"])[0].suppressed


def test_many_threads_share_one_matcher() -> None:
    services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    configure(index_refresh_seconds=60.0)
    expected = services.current_matcher()
    seen: list[object] = []
    wrong: list[str] = []

    def work() -> None:
        for i in range(300):
            tag = "bluefinch" if i % 2 else f"harmless{i}"
            if services.check_tags([tag])[0].suppressed != (i % 2 == 1):
                wrong.append(tag)
        seen.append(services.current_matcher())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong
    assert all(m is expected for m in seen)
    assert len(seen) == 8


def _old_rule(term: str, key: str) -> TermRule:
    return TermRule.objects.create(
        term=term,
        key=key,
        normaliser_version="old",
        created_by="user:someone",
        created_at=timezone.now(),
    )


def test_keys_from_another_normaliser_are_rebuilt_when_the_matcher_is() -> None:
    rule = _old_rule("BlueFinch", "stale-key")
    assert services.check_tags(["bluefinch"])[0].suppressed
    rule.refresh_from_db()
    assert (rule.key, rule.normaliser_version) == (term_key("BlueFinch"), normaliser_version())
    assert services.rebuild_keys() == 0  # nothing left to do


def test_a_rebuilt_key_that_duplicates_another_rule_removes_it_audited() -> None:
    keep = services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    dup = _old_rule("Blue-Finch", "blue-finch")
    assert services.rebuild_keys() == 1
    dup.refresh_from_db()
    assert dup.removed_at is not None
    assert dup.removed_by == SYSTEM.label
    event = AuditEvent.objects.get(action=TermEvent.RULE_REMOVED)
    assert event.subject_id == str(dup.pk)
    assert TermRule.objects.get(removed_at__isnull=True).pk == keep.pk


def test_the_interstitial_is_the_operators(tmp_path: object) -> None:
    shown = services.interstitial()
    assert shown.title
    assert shown.message
    assert shown.links
    assert all(link.url.startswith("https://") for link in shown.links)
    configure(
        terms_interstitial_title="Not here",
        terms_interstitial_message="Try elsewhere.",
        terms_help_links=(("Report", "/report"),),
    )
    shown = services.interstitial()
    assert (shown.title, shown.message) == ("Not here", "Try elsewhere.")
    assert [(link.label, link.url) for link in shown.links] == [("Report", "/report")]


def test_the_interstitial_and_minimums_are_read_from_the_environment(tmp_path: object) -> None:
    env = {
        "SHIELDWALL_HOME": str(tmp_path),
        "SHIELDWALL_TERMS_INTERSTITIAL_TITLE": "Stop",
        "SHIELDWALL_TERMS_INTERSTITIAL_MESSAGE": "Help is near.",
        "SHIELDWALL_TERMS_HELP_LINKS": '[{"label": "Help line", "url": "https://help.example/"},'
        ' {"label": "Report", "url": "/report"}]',
        "SHIELDWALL_TERMS_MIN_CONTAINS": "8",
        "SHIELDWALL_TERMS_MIN_NEAR": "10",
    }
    cfg = load_config(env)
    assert (cfg.terms_interstitial_title, cfg.terms_interstitial_message) == (
        "Stop",
        "Help is near.",
    )
    assert cfg.terms_help_links == (("Help line", "https://help.example/"), ("Report", "/report"))
    assert (cfg.terms_min_contains, cfg.terms_min_near) == (8, 10)
    assert load_config({"SHIELDWALL_HOME": str(tmp_path)}).terms_help_links  # a default


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SHIELDWALL_TERMS_HELP_LINKS", "not json"),
        ("SHIELDWALL_TERMS_HELP_LINKS", '{"label": "x"}'),
        ("SHIELDWALL_TERMS_HELP_LINKS", '[{"label": "x", "url": "javascript:alert(1)"}]'),
        ("SHIELDWALL_TERMS_HELP_LINKS", '[{"label": "x", "url": "//elsewhere.example"}]'),
        ("SHIELDWALL_TERMS_HELP_LINKS", '[{"label": "", "url": "/report"}]'),
        ("SHIELDWALL_TERMS_INTERSTITIAL_TITLE", "a\x00b"),
        ("SHIELDWALL_TERMS_INTERSTITIAL_MESSAGE", "m" * 2001),
        ("SHIELDWALL_TERMS_MIN_CONTAINS", "2"),
        ("SHIELDWALL_TERMS_MIN_NEAR", "many"),
    ],
)
def test_bad_interstitial_settings_are_refused_at_start(
    tmp_path: object, name: str, value: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config({"SHIELDWALL_HOME": str(tmp_path), name: value})
    assert name in str(exc.value)


def test_a_rule_id_may_come_as_form_text() -> None:
    rule = services.add_rule(term="bluefinch", actor=LEAD, reason="r")
    for bad in ("abc", "-1", "1e3", "\u0661"):
        with pytest.raises(NotFound):
            services.remove_rule(rule_id=bad, actor=LEAD, reason="r")  # type: ignore[arg-type]
    services.remove_rule(rule_id=str(rule.pk), actor=LEAD, reason="r")  # type: ignore[arg-type]
    rule.refresh_from_db()
    assert rule.removed_at is not None


def test_a_block_rule_an_exception_would_keep_open_is_refused_and_written_nowhere() -> None:
    allow = services.add_rule(
        term="quietheron", actor=LEAD, reason="an ordinary bird tag", effect=RuleEffect.ALLOW
    )
    for source, case_id in ((RuleSource.STAFF, ""), (RuleSource.CASE, "case_x")):
        with pytest.raises(Conflict) as refused:
            services.add_rule(
                term="QuietHeron", actor=LEAD, reason="r", source=source, case_id=case_id
            )
        assert refused.value.field == "term"
        assert str(allow.pk) in refused.value.message
    assert list(TermRule.objects.values_list("pk", flat=True)) == [allow.pk]
    # A block rule the exception does not hold open is added (it catches other tags).
    services.add_rule(term="quietheronsale", actor=LEAD, reason="r")
    assert TermRule.objects.count() == 2


@pytest.mark.parametrize("source", [RuleSource.CASE, RuleSource.SUGGESTION])
def test_a_short_tag_from_a_case_or_a_suggestion_is_refused_but_a_lead_may_add_it(
    source: RuleSource,
) -> None:
    for term in ("a", "I", "abc"):
        with pytest.raises(Invalid) as refused:
            services.add_rule(term=term, actor=LEAD, reason="r", source=source, case_id="case_x")
        assert (refused.value.code, refused.value.field) == ("term_too_short", "term")
    assert not TermRule.objects.exists()
    services.add_rule(term="abcd", actor=LEAD, reason="r", source=source, case_id="case_x")
    services.add_rule(term="abc", actor=LEAD, reason="meant, on the rules page")
    assert TermRule.objects.count() == 2
