"""Accounts found: ranked by closeness to blocked tags, removed content, age, blocked uploads
and solicitation; review cases opened for the top ones, bounded, never an automatic act."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from shieldwall.cases import priority
from shieldwall.cases.events import CaseEvent
from shieldwall.cases.models import Case, DecisionKind, Tier
from shieldwall.cases.services import decide, open_case
from shieldwall.config import ConfigError, load_config
from shieldwall.core.actors import cli_actor
from shieldwall.core.models import AuditEvent
from shieldwall.discovery import leads, scoring, services
from shieldwall.discovery.events import DiscoveryEvent
from shieldwall.discovery.kinds import AccountFeature
from shieldwall.integrations import services as integrations
from shieldwall.integrations.models import Action
from shieldwall.matching.models import ScanSignal, ScanSignalKind
from shieldwall.reports.categories import Category, CseReason
from tests.discovery.discovery_support import (
    NOW,
    account_event,
    block,
    ingest,
    post_event,
    posts,
)

pytestmark = pytest.mark.django_db

COMMUNITY = ("c1", "c2", "c3")
FULLWIDTH_QUIET = "\uff31\uff35\uff29\uff25\uff34"  # "QUIET" in fullwidth letters


@pytest.fixture(autouse=True)
def _fresh_graph() -> Iterator[None]:
    scoring.forget_graph()
    yield
    scoring.forget_graph()


@pytest.fixture
def patterns() -> Iterator[None]:
    """The operator configured one (made-up) solicitation pattern."""
    before = settings.SHIELDWALL
    settings.SHIELDWALL = dataclasses.replace(before, solicitation_patterns=("quietlantern menu",))
    yield
    settings.SHIELDWALL = before


def world() -> None:
    """Three new community accounts using a blocked tag with `sodapass`; twenty old ordinary
    accounts with everyday tags, one of which once used the blocked tag."""
    block("bluefinch")
    events = [account_event(a, NOW - timedelta(days=3)) for a in COMMUNITY]
    events += [account_event(f"o{k}", NOW - timedelta(days=400)) for k in range(20)]
    for a in COMMUNITY:
        events += posts(a, ["bluefinch", "sodapass"], 4, prefix=f"{a}x")
        events += posts(a, ["sodapass"], 3, prefix=f"{a}y")
    for k in range(20):
        events += posts(f"o{k}", ["dailywalk", f"hobby{k % 3}"], 10)
    events.append(post_event("o0-odd", "o0", ["bluefinch", "dailywalk"], NOW))
    ingest(events)
    services.update_graph()


def test_community_accounts_rank_above_an_ordinary_one_that_met_a_blocked_tag() -> None:
    world()
    ranked = {lead.account_id: lead for lead in leads.rank_accounts(now=NOW)}
    assert set(ranked) == {*COMMUNITY, "o0"}  # nobody else is close to anything
    for a in COMMUNITY:
        assert ranked[a].score > ranked["o0"].score
        assert ranked[a].score >= leads.MIN_CASE_SCORE
        assert ranked[a].features[AccountFeature.BLOCKED_TAG_SHARE] == round(4 / 11, 4)
        assert ranked[a].features[AccountFeature.NEW_ACCOUNT] > 0.8
        assert ranked[a].evidence["blocked_tags"] == [["bluefinch", 4]]
    assert ranked["o0"].score < leads.MIN_CASE_SCORE
    assert ranked["o0"].features[AccountFeature.NEW_ACCOUNT] < 0.01


def test_review_cases_open_for_the_top_accounts_and_nothing_is_done_to_them() -> None:
    world()
    assert services.find_accounts(now=NOW) == 3
    cases = {c.subject_id: c for c in Case.objects.all()}
    assert set(cases) == set(COMMUNITY)
    for a, case in cases.items():
        assert (case.subject_type, case.account_id) == ("account", a)
        assert (case.category, case.cse_reason, case.tier) == (
            Category.CSE,
            CseReason.SELLING,
            Tier.CSE,
        )
        assert leads.LEAD_SIGNAL in case.signals
        assert priority.NEW_ACCOUNT in case.signals
        assert case.deadline_at == NOW + priority.tier_window(Tier.CSE)
        lead = services.account_lead(a)
        assert lead.case_id == case.public_id
        assert lead.case_opened_at == NOW
        assert lead.evidence["blocked_tags"] == [["bluefinch", 4]]
    assert services.account_lead("o0").case_id == ""  # ranked, below the cut
    assert not Action.objects.exists()  # no suspension, no removal: staff decide
    opened = AuditEvent.objects.filter(action=CaseEvent.OPENED)
    assert sorted(e.data["subject"] for e in opened) == [f"account:{a}" for a in COMMUNITY]
    batch = AuditEvent.objects.get(action=DiscoveryEvent.LEADS_OPENED)
    assert sorted(c["account"] for c in batch.data["cases"]) == list(COMMUNITY)


def test_cases_are_bounded_per_round_and_never_opened_twice() -> None:
    world()
    assert services.find_accounts(now=NOW, max_cases=2) == 2
    assert services.find_accounts(now=NOW, max_cases=2) == 1
    assert services.find_accounts(now=NOW, max_cases=2) == 0
    assert Case.objects.count() == 3
    assert services.find_accounts(now=NOW, max_cases=0) == 0


def test_a_closed_lead_case_comes_back_only_once_the_evidence_grew_well_beyond() -> None:
    world()
    assert services.find_accounts(now=NOW) == 3
    first = services.account_lead("c1")
    assert first.case_support == 4  # four uses of the blocked tag
    decide(case_id=first.case_id, decision=DecisionKind.NO_VIOLATION, actor=cli_actor())
    assert services.find_accounts(now=NOW) == 0  # closed by a moderator: not again at once
    ingest(posts("c1", ["bluefinch"], 4, prefix="c1more"))
    services.update_graph()
    assert services.find_accounts(now=NOW) == 0  # 8 uses: below max(4 x 2, 4 + 5)
    ingest(posts("c1", ["bluefinch"], 2, prefix="c1most"))
    services.update_graph()
    assert services.find_accounts(now=NOW) == 1  # 10 uses: well beyond, a new case
    again = services.account_lead("c1")
    assert again.case_id != first.case_id
    assert again.case_support == 10
    assert Case.objects.filter(subject_id="c1").count() == 2


def test_an_account_with_an_open_case_gets_no_second_one() -> None:
    world()
    existing, _ = open_case(
        subject_type="account",
        subject_id="c1",
        account_id="c1",
        category=Category.SPAM,
        cse_reason="",
        now=NOW,
    )
    assert services.find_accounts(now=NOW) == 2
    assert Case.objects.filter(subject_id="c1").count() == 1
    assert services.account_lead("c1").case_id == ""
    assert Case.objects.get(pk=existing.pk).category == Category.SPAM


def test_a_new_account_ranks_above_an_old_one_with_the_same_tags() -> None:
    block("bluefinch")
    ingest(
        [
            account_event("fresh", NOW - timedelta(days=1)),
            account_event("old", NOW - timedelta(days=900)),
            *posts("fresh", ["bluefinch", "dailywalk"], 3),
            *posts("old", ["bluefinch", "dailywalk"], 3),
        ]
    )
    services.update_graph()
    ranked = {lead.account_id: lead for lead in leads.rank_accounts(now=NOW)}
    assert ranked["fresh"].score > ranked["old"].score
    assert ranked["old"].features == {
        **ranked["fresh"].features,
        AccountFeature.NEW_ACCOUNT: ranked["old"].features[AccountFeature.NEW_ACCOUNT],
    }


def test_age_alone_makes_no_lead() -> None:
    block("bluefinch")
    ingest([account_event("fresh", NOW - timedelta(hours=2)), *posts("fresh", ["dailywalk"], 5)])
    services.update_graph()
    assert leads.rank_accounts(now=NOW) == []
    assert leads.combine({AccountFeature.NEW_ACCOUNT: 1.0}) == 0.0


def test_removed_posts_and_blocked_uploads_count() -> None:
    world()
    actor = cli_actor()
    for post_id in ("o5-p0", "o5-p1"):
        integrations.issue_action(
            kind="remove_post", subject_id=post_id, reason="csam", actor=actor
        )
    for _ in range(3):
        ScanSignal.objects.create(kind=ScanSignalKind.BLOCKED, account_id="o7", md5="0" * 32)
    ScanSignal.objects.create(kind=ScanSignalKind.NEAR_MATCH, account_id="o8", md5="0" * 32)
    ranked = {lead.account_id: lead for lead in leads.rank_accounts(now=NOW)}
    assert ranked["o5"].features[AccountFeature.REMOVED] == round(2 / 3, 4)
    assert ranked["o5"].evidence["removed_post_ids"] == ["o5-p0", "o5-p1"]
    assert ranked["o7"].features[AccountFeature.BLOCKED_UPLOADS] == round(3 / 5, 4)
    assert ranked["o7"].evidence["blocked_uploads"] == 3
    assert "o8" not in ranked  # a near match is not a blocked upload


def test_solicitation_patterns_match_through_the_normalisation(patterns: None) -> None:
    world()
    ingest(
        [
            post_event("s1-a", "s1", ["sodapass"], NOW, text="Quiet-Lantern MENU, ask me"),
            post_event("s1-b", "s1", ["sodapass"], NOW, text=FULLWIDTH_QUIET + " lantern menu"),
            post_event("s1-c", "s1", ["sodapass"], NOW, text="an ordinary evening walk"),
        ]
    )
    services.update_graph()
    ranked = {lead.account_id: lead for lead in leads.rank_accounts(now=NOW)}
    s1 = ranked["s1"]  # never used a blocked tag: found by its closeness and its words
    assert s1.features[AccountFeature.SOLICITATION] == round(2 / 3, 4)
    assert sorted(s1.evidence["solicitation_post_ids"]) == ["s1-a", "s1-b"]
    assert s1.evidence["solicitation_patterns"] == ["quietlantern menu"]
    assert ranked["c1"].features[AccountFeature.SOLICITATION] == 0.0


def test_without_patterns_nothing_is_read_for_solicitation() -> None:
    assert not leads.Patterns(())
    assert not leads.Patterns(["  ", "--", "._"])  # no letters: no pattern
    found = leads.Patterns(["velvet moth"])
    assert found.hits("VELVET-moth here") == {"velvet moth"}
    assert found.hits("velvet and moth") == set()


def test_the_patterns_file_is_read_from_the_environment(tmp_path: Path) -> None:
    env = {"SHIELDWALL_HOME": str(tmp_path)}
    assert load_config(env).solicitation_patterns == ()
    listed = tmp_path / "patterns.txt"
    listed.write_text("# made-up\nquietlantern menu\n\nvelvet moth\nvelvet moth\n", "utf-8")
    config = load_config({**env, "SHIELDWALL_SOLICITATION_PATTERNS_FILE": str(listed)})
    assert config.solicitation_patterns == ("quietlantern menu", "velvet moth")
    with pytest.raises(ConfigError, match="readable UTF-8 file"):
        load_config({**env, "SHIELDWALL_SOLICITATION_PATTERNS_FILE": str(tmp_path / "none")})
    bad = {**env, "SHIELDWALL_DISCOVERY_CASES_PER_RUN": "-1"}
    with pytest.raises(ConfigError):
        load_config(bad)
