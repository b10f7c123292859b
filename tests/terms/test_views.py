"""The rules pages under /desk/terms/: who sees and who changes, add, remove, try it, and
hostile form input answered with words on the field, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.core.staff import create_staff_user
from shieldwall.terms import services
from shieldwall.terms.events import TermEvent
from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource
from shieldwall.terms.models import TermRule
from shieldwall.terms.normalise import term_key
from shieldwall.terms.words import visible

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-desk-password-1"
URL = "/desk/terms/"


def staff(actor: Actor, role: str, *, csrf: bool = False) -> Client:
    """A client signed in as a fresh staff user in this role."""
    user, _ = create_staff_user(username=f"{role}-1", roles=[role], actor=actor, password=PASSWORD)
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


@pytest.fixture
def lead(actor: Actor) -> Client:
    return staff(actor, "lead")


def add(client: Client, **fields: str) -> object:
    data = {"term": "velvetmoth", "match": "exact", "effect": "block", "reason": "placeholder"}
    return client.post(f"{URL}add", {**data, **fields})


def _rule(actor: Actor, term: str = "quietlantern", **kw: object) -> TermRule:
    return services.add_rule(term=term, actor=actor, reason="seeded", **kw)  # type: ignore[arg-type]


# --- who may do what ------------------------------------------------------------------------


def test_every_rules_page_needs_a_login(actor: Actor) -> None:
    rule = _rule(actor)
    anonymous = Client()
    for r in (
        anonymous.get(URL),
        anonymous.post(f"{URL}add", {"term": "velvetmoth", "reason": "x"}),
        anonymous.post(f"{URL}try", {"kind": "tags", "text": "velvetmoth"}),
        anonymous.get(f"{URL}{rule.pk}/remove"),
        anonymous.post(f"{URL}{rule.pk}/remove", {"reason": "x"}),
    ):
        assert r.status_code == 302
        assert r["Location"].startswith("/accounts/login/?next=")
    assert TermRule.objects.get().removed_at is None
    assert TermRule.objects.count() == 1


@pytest.mark.parametrize("role", ["moderator", "auditor"])
def test_moderators_and_auditors_see_and_try_but_never_change(actor: Actor, role: str) -> None:
    rule = _rule(actor)
    client = staff(actor, role)
    page = client.get(URL).content.decode()
    assert f'id="rule-{rule.pk}"' in page
    assert "<code>quietlantern</code>" in page
    assert 'action="/desk/terms/add"' not in page
    assert f"{URL}{rule.pk}/remove" not in page
    assert "leads and admins add and remove them" in page
    tried = client.post(f"{URL}try", {"kind": "tags", "text": "quietlantern"})
    assert tried.status_code == 200
    assert 'data-verdict="suppressed"' in tried.content.decode()
    refused = add(client)
    assert refused.status_code == 403
    assert "not allowed" in refused.content.decode()
    assert client.get(f"{URL}{rule.pk}/remove").status_code == 403
    assert client.post(f"{URL}{rule.pk}/remove", {"reason": "x"}).status_code == 403
    assert list(TermRule.objects.values_list("term", "removed_at")) == [("quietlantern", None)]


@pytest.mark.parametrize("role", ["triage", "compliance"])
def test_roles_without_view_rules_are_refused(actor: Actor, role: str) -> None:
    _rule(actor)
    client = staff(actor, role)
    r = client.get(URL)
    assert r.status_code == 403
    assert "quietlantern" not in r.content.decode()
    assert client.post(f"{URL}try", {"kind": "tags", "text": "quietlantern"}).status_code == 403


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_leads_and_admins_add_a_rule_audited(actor: Actor, role: str) -> None:
    client = staff(actor, role)
    r = add(client, term="Velvetmoth", match="contains", reason="seen in a placeholder case")
    rule = TermRule.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"{URL}#rule-{rule.pk}"
    assert (rule.term, rule.key, rule.match, rule.effect, rule.source) == (
        "Velvetmoth",
        term_key("Velvetmoth"),
        MatchKind.CONTAINS,
        RuleEffect.BLOCK,
        RuleSource.STAFF,
    )
    assert rule.created_by == f"user:{role}-1"
    event = AuditEvent.objects.get(action=TermEvent.RULE_ADDED)
    assert event.actor == f"user:{role}-1"
    assert event.data["reason"] == "seen in a placeholder case"
    page = client.get(URL).content.decode()
    assert f"Rule {rule.pk} in place: contains &#x27;Velvetmoth&#x27;." in page
    assert f'<tr id="rule-{rule.pk}" data-rule="{rule.pk}">' in page
    assert "seen in a placeholder case" in page


def test_an_exception_is_listed_as_one(lead: Client) -> None:
    add(lead, term="sodapassword", effect="allow", reason="an ordinary word")
    rule = TermRule.objects.get()
    assert rule.effect == RuleEffect.ALLOW
    page = lead.get(URL).content.decode()
    assert f"Exception {rule.pk} in place" in page
    assert '<span class="tag">Exception</span>' in page


def test_a_rule_from_a_case_links_to_its_case(actor: Actor, lead: Client) -> None:
    _rule(actor, "velvetmoth", source=RuleSource.CASE, case_id="case_placeholder1")
    page = lead.get(URL).content.decode()
    assert '<a href="/desk/case/case_placeholder1"><code>case_placeholder1</code></a>' in page
    assert "Case decision" in page


# --- remove ---------------------------------------------------------------------------------


def test_removing_asks_to_confirm_with_a_reason_then_audits(actor: Actor, lead: Client) -> None:
    rule = _rule(actor)
    confirm = lead.get(f"{URL}{rule.pk}/remove")
    assert confirm.status_code == 200
    assert "Remove rule" in confirm.content.decode()
    assert TermRule.objects.get().removed_at is None  # asking removes nothing
    for reason in ("", "   "):
        r = lead.post(f"{URL}{rule.pk}/remove", {"reason": reason})
        assert r.status_code == 422
        assert "This field is required." in r.content.decode()
    assert TermRule.objects.get().removed_at is None
    r = lead.post(f"{URL}{rule.pk}/remove", {"reason": "no longer used"})
    assert r.status_code == 302
    removed = TermRule.objects.get()
    assert removed.removed_at is not None
    assert (removed.removed_by, removed.removed_reason) == ("user:lead-1", "no longer used")
    assert AuditEvent.objects.get(action=TermEvent.RULE_REMOVED).data["reason"] == "no longer used"
    active = lead.get(URL).content.decode()
    assert f'id="rule-{rule.pk}"' not in active
    assert "no longer matched" in active
    shown = lead.get(f"{URL}?show=removed").content.decode()
    assert f'<tr id="rule-{rule.pk}" data-rule="{rule.pk}" data-removed>' in shown
    assert "by user:lead-1: no longer used" in shown
    again = lead.post(f"{URL}{rule.pk}/remove", {"reason": "twice"})
    assert again.status_code == 404
    assert lead.get(f"{URL}99999/remove").status_code == 404
    assert lead.get(f"{URL}abc/remove").status_code == 404
    huge = "9" * 30  # beyond any id column: not found, not an overflow
    assert lead.get(f"{URL}{huge}/remove").status_code == 404
    assert lead.post(f"{URL}{huge}/remove", {"reason": "x"}).status_code == 404


def test_the_list_filters_by_state_and_term(actor: Actor, lead: Client) -> None:
    keep = _rule(actor, "velvetmoth")
    gone = _rule(actor, "quietlantern")
    services.remove_rule(rule_id=gone.pk, actor=actor, reason="x")
    both = lead.get(f"{URL}?show=all").content.decode()
    assert f'id="rule-{keep.pk}"' in both
    assert f'id="rule-{gone.pk}"' in both
    narrowed = lead.get(f"{URL}?show=all&q=velvet").content.decode()
    assert f'id="rule-{gone.pk}"' not in narrowed
    assert f'id="rule-{keep.pk}"' in narrowed
    odd = lead.get(f"{URL}?show=nonsense&q=%00" + "x" * 5000)
    assert odd.status_code == 200
    assert "Active rules" in odd.content.decode()


# --- try it ---------------------------------------------------------------------------------


def test_try_it_gives_each_tag_its_verdict_rule_and_normalised_form(
    actor: Actor, lead: Client
) -> None:
    rule = _rule(actor, "velvetmoth")
    r = lead.post(f"{URL}try", {"kind": "tags", "text": "#VelvetMoth"})
    page = r.content.decode()
    assert r.status_code == 200
    assert page.count('data-verdict="suppressed"') == 1
    assert f'<a href="#rule-{rule.pk}">rule {rule.pk}: exact &#x27;velvetmoth&#x27;</a>' in page
    assert f"<code data-normalized>{term_key('#VelvetMoth')}</code>" in page
    # Tags are separated by spaces, commas or new lines; "velvet" and "moth" are adjacent
    # tags, read together as the term.
    split = lead.post(f"{URL}try", {"kind": "tags", "text": "velvet,\nmoth"}).content.decode()
    assert split.count('data-verdict="suppressed"') == 2
    alone = lead.post(f"{URL}try", {"kind": "tags", "text": "ordinary"}).content.decode()
    assert '<tr data-verdict="open">\n      <td><code>ordinary</code>' in alone
    assert '<span class="muted">no rule</span>' in alone


def test_try_it_reads_a_query_and_shows_invisible_characters(actor: Actor, lead: Client) -> None:
    _rule(actor, "velvetmoth")
    r = lead.post(f"{URL}try", {"kind": "query", "text": "where is velvetmoth\u200b"})
    page = r.content.decode()
    assert page.count('data-verdict="suppressed"') == 1
    assert "as typed: <code>where is velvetmoth&lt;U+200B&gt;</code>" in page
    r = lead.post(f"{URL}try", {"kind": "query", "text": "an ordinary query"})
    assert 'data-verdict="open"' in r.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "tags", "text": ""}, "This field is required."),
        ({"kind": "tags", "text": " ,\n "}, "Type at least one hashtag to try."),
        ({"kind": "tags", "text": "x" * 10_000}, "A hashtag is at most 200 characters."),
        ({"kind": "tags", "text": "a " * 101}, "Try at most 100 hashtags at once."),
        ({"kind": "tags", "text": "x" * 30_000}, "Ensure this value has at most 20100"),
        ({"kind": "tags", "text": "velvet\x00moth"}, "Null characters are not allowed."),
        ({"kind": "query", "text": "q" * 501}, "A query is at most 500 characters."),
        ({"kind": "query", "text": "   "}, "Type a query to try."),
        ({"kind": "sql", "text": "velvetmoth"}, "Select a valid choice."),
        ({}, "This field is required."),
    ],
)
def test_hostile_try_input_gets_words_on_the_field(
    lead: Client, data: dict[str, str], message: str
) -> None:
    r = lead.post(f"{URL}try", data)
    assert r.status_code == 422
    assert message in r.content.decode()
    assert "data-verdict" not in r.content.decode()


# --- hostile input to add -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"term": ""}, "This field is required."),
        ({"reason": ""}, "This field is required."),
        ({"reason": "   "}, "This field is required."),
        ({"term": "x" * 10_000}, "Ensure this value has at most 200 characters"),
        ({"reason": "r" * 10_000}, "Ensure this value has at most 2000 characters"),
        ({"term": "velvet\x00moth"}, "Null characters are not allowed."),
        ({"reason": "why\x00"}, "Null characters are not allowed."),
        ({"match": "regex"}, "Select a valid choice. regex is not one of the available choices."),
        ({"effect": "delete"}, "Select a valid choice."),
    ],
)
def test_hostile_add_input_gets_words_on_the_field(
    lead: Client, fields: dict[str, str], message: str
) -> None:
    r = add(lead, **fields)
    assert r.status_code == 422
    assert message in r.content.decode()
    assert not TermRule.objects.exists()
    assert not AuditEvent.objects.filter(action=TermEvent.RULE_ADDED).exists()


def test_a_service_refusal_lands_on_its_field(lead: Client) -> None:
    r = add(lead, term="#__--__#")
    page = r.content.decode()
    assert 400 <= r.status_code < 500  # the service's own status for its refusal
    assert '<p class="error" role="alert" id="id_term-error">' in page
    assert "term has no letters or digits" in page
    assert 'aria-invalid="true" aria-describedby="id_term-error"' in page
    assert 'value="#__--__#"' in page  # what was typed stays in the form
    assert not TermRule.objects.exists()


def test_adding_the_same_rule_twice_keeps_one(lead: Client) -> None:
    add(lead)
    r = add(lead, term="VELVETMOTH")
    assert r.status_code == 302
    assert TermRule.objects.count() == 1
    assert AuditEvent.objects.filter(action=TermEvent.RULE_ADDED).count() == 1


def test_markup_in_a_term_is_shown_as_text(lead: Client) -> None:
    add(lead, term="<b>velvetmoth</b>", reason="<script>x</script>")
    page = lead.get(URL).content.decode()
    assert "<b>velvetmoth</b>" not in page
    assert "&lt;b&gt;velvetmoth&lt;/b&gt;" in page
    assert "<script>x</script>" not in page


def test_a_post_without_its_csrf_token_is_refused_clearly(actor: Actor) -> None:
    rule = _rule(actor)
    client = staff(actor, "lead", csrf=True)
    for r in (
        add(client),
        client.post(f"{URL}{rule.pk}/remove", {"reason": "x"}),
        client.post(f"{URL}try", {"kind": "tags", "text": "x"}),
    ):
        assert r.status_code == 403
        assert "CSRF verification failed" in r.content.decode()
    assert list(TermRule.objects.values_list("term", "removed_at")) == [("quietlantern", None)]


def test_wrong_methods_are_refused(lead: Client) -> None:
    assert lead.get(f"{URL}add").status_code == 405
    assert lead.get(f"{URL}try").status_code == 405
    assert lead.post(URL).status_code == 405


def test_look_alike_and_invisible_characters_are_made_visible() -> None:
    assert visible("plain words") == "plain words"
    assert visible("blu\u0435finch") == "blu\u0435<U+0435>finch"
    assert visible("sod\u200bapa\u00adss\ufe0f") == "sod<U+200B>apa<U+00AD>ss<U+FE0F>"
    assert visible("a\u00a0b\u0301") == "a<U+00A0>b<U+0301>"
