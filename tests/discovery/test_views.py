"""The desk's discovery pages over HTTP: suggested tags (reasons, evidence behind blur,
approve and reject) and accounts found, per role, with hostile input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.core.staff import create_staff_user
from shieldwall.discovery import scoring
from shieldwall.discovery import services as discovery
from shieldwall.discovery.events import DiscoveryEvent
from shieldwall.discovery.kinds import AccountFeature, SuggestionState, TagFeature
from shieldwall.discovery.models import AccountLead, TagSuggestion
from shieldwall.subjects.services import ingest_events
from shieldwall.terms import services as terms
from shieldwall.terms.models import TermRule
from tests.discovery.discovery_support import NOW, account_event, block, ingest, posts
from tests.subjects.builders import event, post
from tests.subjects.platform import MEDIA_HOST, register

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
PASSWORD = "a-long-desk-password-1"
QUEUE = "/desk/discovery/"
LEADS = "/desk/discovery/accounts"


def login(actor: Actor, role: str) -> Client:
    """A test client logged in as a fresh staff user in this role."""
    create_staff_user(username=f"{role}-1", roles=[role], actor=actor, password=PASSWORD)
    client = Client()
    assert client.login(username=f"{role}-1", password=PASSWORD)
    return client


@pytest.fixture
def lead(actor: Actor) -> Client:
    return login(actor, "lead")


@pytest.fixture
def moderator(actor: Actor) -> Client:
    return login(actor, "moderator")


def suggest(tag: str = "velvetmoth", **evidence: Any) -> TagSuggestion:
    """An open suggestion as the scoring leaves it (features 0..1, evidence)."""
    now = timezone.now()
    features = {
        TagFeature.COOCCURRENCE: 0.62,
        TagFeature.REMOVED: 0.1,
        TagFeature.ACCOUNT_SHARE: 0.48,
        TagFeature.PAGERANK: 0.3,
        TagFeature.BURST: 0.0,
    }
    ev: dict[str, Any] = {
        "posts": 66,
        "blocked_posts": 41,
        "removed_posts": 7,
        "accounts": 9,
        "blocked_tags": [["bluefinch", 41], ["sodapass", 3]],
        "post_ids": [],
        "account_ids": [],
    }
    ev.update(evidence)
    return TagSuggestion.objects.create(
        tag=tag,
        score=0.87,
        features={str(k): v for k, v in features.items()},
        evidence=ev,
        support=48,
        created_at=now,
        scored_at=now,
    )


def open_tags(client: Client) -> str:
    r = client.get(QUEUE)
    assert r.status_code == 200
    return r.content.decode()


# --- who may see and do what ----------------------------------------------------------------


def test_pages_need_a_login(actor: Actor) -> None:
    s = suggest()
    anonymous = Client()
    for url in (QUEUE, LEADS):
        r = anonymous.get(url)
        assert r.status_code == 302
        assert r["Location"].startswith("/accounts/login/?next=")
    r = anonymous.post(f"{QUEUE}suggestion/{s.pk}/approve", {"reason": "x"})
    assert r.status_code == 302
    assert TagSuggestion.objects.get().state == SuggestionState.OPEN
    assert not TermRule.objects.exists()


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_admins_and_leads_see_the_review_buttons(actor: Actor, role: str) -> None:
    s = suggest()
    body = open_tags(login(actor, role))
    assert "#velvetmoth" in body
    assert f'action="{QUEUE}suggestion/{s.pk}/approve"' in body
    assert f'action="{QUEUE}suggestion/{s.pk}/reject"' in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_a_moderator_sees_the_queue_but_cannot_review(actor: Actor, moderator: Client) -> None:
    s = suggest()
    body = open_tags(moderator)
    assert "#velvetmoth" in body
    assert "/approve" not in body
    assert "/reject" not in body
    assert "a lead or an admin reviews them" in body
    for verb in ("approve", "reject"):
        r = moderator.post(f"{QUEUE}suggestion/{s.pk}/{verb}", {"reason": "looks bad"})
        assert r.status_code == 403
        assert "Your role can't do this" in r.content.decode()
    assert TagSuggestion.objects.get().state == SuggestionState.OPEN
    assert not TermRule.objects.exists()
    assert moderator.get(LEADS).status_code == 200


@pytest.mark.parametrize("role", ["auditor", "triage", "compliance"])
def test_roles_without_discovery_see_nothing(actor: Actor, role: str) -> None:
    suggest()
    client = login(actor, role)
    for url in (QUEUE, LEADS, f"{QUEUE}?state=rejected"):
        r = client.get(url)
        assert r.status_code == 403
        assert "velvetmoth" not in r.content.decode()


def test_a_post_needs_the_csrf_token(actor: Actor) -> None:
    s = suggest()
    create_staff_user(username="lead-2", roles=["lead"], actor=actor, password=PASSWORD)
    strict = Client(enforce_csrf_checks=True)
    assert strict.login(username="lead-2", password=PASSWORD)
    r = strict.post(f"{QUEUE}suggestion/{s.pk}/approve", {"reason": "blocked", "match": "exact"})
    assert r.status_code == 403
    assert TagSuggestion.objects.get().state == SuggestionState.OPEN
    assert not TermRule.objects.exists()


# --- the reasons and the evidence -----------------------------------------------------------


def test_the_reasons_are_in_words_with_what_carries_the_score(
    actor: Actor, moderator: Client
) -> None:
    suggest()
    body = open_tags(moderator)
    assert "62 % of its posts also carry a blocked tag: #bluefinch (41), #sodapass (3)" in body
    assert "48 % of its uses come from accounts that used blocked tags" in body
    assert "7 of its 66 posts were removed by moderators" in body
    assert "PageRank closeness to the blocked tags" in body
    assert "carries the score" in body
    assert "66 posts by 9 accounts" in body
    # The evidence table lists each co-occurring blocked tag with its count.
    assert '<td>#bluefinch</td><td class="num">41</td>' in body
    # Burst is zero here: no burst sentence.
    assert 'data-feature="burst"' not in body
    # The most weighty reason comes first.
    assert body.index('data-feature="cooccurrence"') < body.index('data-feature="pagerank"')


def test_a_burst_is_worded_with_its_ratio(actor: Actor, moderator: Client) -> None:
    s = suggest()
    s.features = {**s.features, TagFeature.BURST: 0.5}
    s.save()
    body = open_tags(moderator)
    assert 'data-feature="burst"' in body
    # The ranking squashes the ratio r to r / (r + BURST_HALF): 0.5 is BURST_HALF times.
    ratio, hours = scoring.BURST_HALF, scoring.RECENT_HOURS
    assert f"Burst x{ratio:.0f} in the last {hours} hours against its own usual rate" in body


def test_example_posts_are_behind_blur_and_media_is_revealed_on_request(
    actor: Actor, moderator: Client
) -> None:
    register(actor)
    url = f"https://{MEDIA_HOST}/m/quietlantern.jpg"
    ingest_events(
        events=[
            event("account.created", 0, account_id="acct-7", handle="quietlantern"),
            post("p-7", "acct-7", 1, text="placeholder words #velvetmoth", hashtags=["velvetmoth"]),
            event("media.attached", 2, media_id="m-7", post_id="p-7", media_type="image", url=url),
        ],
        actor=actor,
    )
    s = suggest(post_ids=["p-7", "p-unknown"], account_ids=["acct-7"])
    body = open_tags(moderator)
    # The text is inside a closed <details>; the media's URL is not on the page at all.
    assert '<details class="veiled-text"><summary>' in body
    assert "placeholder words" in body
    assert url not in body
    assert "veil wellness" in body
    assert "@quietlantern" in body
    assert "The platform has told us nothing about this post yet." in body
    viewed = AuditEvent.objects.filter(action=DiscoveryEvent.MEDIA_VIEWED)
    assert not viewed.exists()
    r = moderator.post(f"{QUEUE}suggestion/{s.pk}/reveal", {"media_id": "m-7"}, headers=HX)
    assert r.status_code == 200
    assert f'src="{url}"' in r.content.decode()
    assert 'class="greyscale"' in r.content.decode()
    # Each reveal is recorded: who, which suggestion, which post and media.
    event_ = viewed.get()
    assert (event_.actor, event_.subject_id) == ("user:moderator-1", str(s.pk))
    assert event_.data == {"tag": "velvetmoth", "post_id": "p-7", "media_id": "m-7"}
    # Only media of this suggestion's example posts is revealed, and nothing is recorded.
    for media in ("m-8", "", "x" * 5000):
        other = moderator.post(f"{QUEUE}suggestion/{s.pk}/reveal", {"media_id": media}, headers=HX)
        assert other.status_code == 404
        assert url not in other.content.decode()
    assert viewed.count() == 1


def test_a_role_without_media_rights_cannot_reveal(actor: Actor) -> None:
    s = suggest(post_ids=["p-7"])
    user = get_user_model().objects.create_user(username="viewer", password=PASSWORD)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_discovery"))
    client = Client()
    assert client.login(username="viewer", password=PASSWORD)
    assert client.get(QUEUE).status_code == 200
    r = client.post(f"{QUEUE}suggestion/{s.pk}/reveal", {"media_id": "m-7"}, headers=HX)
    assert r.status_code == 403
    assert not AuditEvent.objects.filter(action=DiscoveryEvent.MEDIA_VIEWED).exists()


# --- approve and reject -----------------------------------------------------------------------


def test_approving_makes_a_rule_that_suppresses_the_tag(actor: Actor, lead: Client) -> None:
    s = suggest()
    assert not terms.check_tags(["velvetmoth"])[0].suppressed
    r = lead.post(
        f"{QUEUE}suggestion/{s.pk}/approve", {"match": "exact", "reason": "sold with bluefinch"}
    )
    assert (r.status_code, r["Location"]) == (302, QUEUE)
    rule = TermRule.objects.get()
    assert (rule.term, rule.match, rule.source, rule.reason) == (
        "velvetmoth",
        "exact",
        "suggestion",
        "sold with bluefinch",
    )
    verdict = terms.check_tags(["velvetmoth"])[0]
    assert verdict.suppressed
    assert verdict.rule is not None
    assert verdict.rule.id == rule.pk
    s.refresh_from_db()
    assert (s.state, s.rule_id, s.reviewed_by) == (SuggestionState.APPROVED, rule.pk, "user:lead-1")
    assert AuditEvent.objects.filter(action=DiscoveryEvent.SUGGESTION_APPROVED).count() == 1
    # It has left the open queue, the page says so, and it is under "Approved".
    body = open_tags(lead)
    assert "#velvetmoth approved" in body
    assert 'data-suggestion="velvetmoth"' not in body
    approved = lead.get(f"{QUEUE}?state=approved").content.decode()
    assert 'data-suggestion="velvetmoth"' in approved
    assert "Approved by lead-1" in approved
    assert "sold with bluefinch" in approved
    assert "/approve" not in approved


def test_approving_with_contains_over_htmx_swaps_the_card(actor: Actor, lead: Client) -> None:
    s = suggest("sodapassmarket")
    suggest("quietlantern")
    r = lead.post(
        f"{QUEUE}suggestion/{s.pk}/approve",
        {"match": "contains", "reason": "a longer variant"},
        headers=HX,
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html
    assert f'id="suggestion-{s.pk}"' in html
    assert "#sodapassmarket approved" in html
    # The page's count of open suggestions is swapped too: one other is still open.
    assert '<span id="suggestion-count" class="muted" hx-swap-oob="true">(1 open)</span>' in html
    assert "/approve" not in html
    assert TermRule.objects.get().match == "contains"


def test_rejecting_takes_it_out_of_the_queue_and_makes_no_rule(actor: Actor, lead: Client) -> None:
    s = suggest()
    r = lead.post(f"{QUEUE}suggestion/{s.pk}/reject", {"reason": "a knitting tag"})
    assert r.status_code == 302
    s.refresh_from_db()
    assert (s.state, s.reason) == (SuggestionState.REJECTED, "a knitting tag")
    assert not TermRule.objects.exists()
    assert not terms.check_tags(["velvetmoth"])[0].suppressed
    assert AuditEvent.objects.filter(action=DiscoveryEvent.SUGGESTION_REJECTED).count() == 1
    assert 'data-suggestion="velvetmoth"' not in open_tags(lead)
    rejected = lead.get(f"{QUEUE}?state=rejected").content.decode()
    assert 'data-suggestion="velvetmoth"' in rejected
    assert "a knitting tag" in rejected
    # Reviewed once is reviewed: a second verdict is refused.
    again = lead.post(f"{QUEUE}suggestion/{s.pk}/approve", {"reason": "changed my mind"})
    assert again.status_code == 409
    assert not TermRule.objects.exists()


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"match": "exact"}, 422),  # no reason
        ({"match": "exact", "reason": "   "}, 422),
        ({"match": "exact", "reason": "x" * 10_000}, 422),
        ({"match": "near", "reason": "near is not offered here"}, 422),
        ({"match": "<script>", "reason": "r"}, 422),
        ({"match": "exact" * 100, "reason": "r"}, 422),
        ({"match": "exact", "reason": "nul\x00byte"}, 422),  # PostgreSQL refuses NUL in text
    ],
)
def test_hostile_approve_forms_are_refused_kindly(
    actor: Actor, lead: Client, form: dict[str, str], status: int
) -> None:
    s = suggest()
    r = lead.post(f"{QUEUE}suggestion/{s.pk}/approve", form)
    assert r.status_code == status
    assert "That didn't work" in r.content.decode()
    assert TagSuggestion.objects.get().state == SuggestionState.OPEN
    assert not TermRule.objects.exists()


@pytest.mark.parametrize("bad", ["abc", "-1", "1e3", "½", "٣", "9" * 40, "99999", "0"])
def test_hostile_suggestion_ids_are_not_found(actor: Actor, lead: Client, bad: str) -> None:
    suggest()
    for verb in ("approve", "reject", "reveal"):
        r = lead.post(f"{QUEUE}suggestion/{bad}/{verb}", {"reason": "r", "media_id": "m"})
        assert r.status_code == 404, (bad, verb)
    htmx = lead.post(f"{QUEUE}suggestion/{bad}/reject", {"reason": "r"}, headers=HX)
    assert htmx.status_code == 404
    assert htmx["HX-Retarget"] == "#flash"
    assert TagSuggestion.objects.get().state == SuggestionState.OPEN


def test_hostile_filters_and_methods(actor: Actor, lead: Client) -> None:
    s = suggest()
    for state in ("<script>alert(1)</script>", "open" * 50, "approved'--", ""):
        r = lead.get(QUEUE, {"state": state})
        assert r.status_code == 200
        assert 'data-suggestion="velvetmoth"' in r.content.decode()  # read as "open"
        assert "<script>alert" not in r.content.decode()
    assert lead.get(f"{QUEUE}suggestion/{s.pk}/approve").status_code == 405
    assert lead.post(QUEUE).status_code == 405
    htmx = lead.post(f"{QUEUE}suggestion/{s.pk}/approve", {"match": "exact"}, headers=HX)
    assert htmx.status_code == 422
    assert htmx["HX-Retarget"] == "#flash"
    assert "reason" in htmx.content.decode()


def test_tag_and_evidence_text_are_escaped(actor: Actor, moderator: Client) -> None:
    suggest(blocked_tags=[["<b>bluefinch</b>", 2], "junk", [1, 2]], post_ids="not-a-list")
    body = open_tags(moderator)
    assert "<b>bluefinch</b>" not in body
    assert "&lt;b&gt;bluefinch&lt;/b&gt;" in body


# --- accounts found ---------------------------------------------------------------------------


def test_account_leads_show_their_evidence_and_review_case(actor: Actor, moderator: Client) -> None:
    register(actor)
    made = timezone.now() - timedelta(days=3)
    ingest_events(
        events=[
            event(
                "account.created",
                0,
                account_id="acct-9",
                handle="sodapass_fan",
                created_at=made.isoformat(),
            )
        ],
        actor=actor,
    )
    AccountLead.objects.create(
        account_id="acct-9",
        score=0.91,
        features={
            AccountFeature.PAGERANK: 0.7,
            AccountFeature.BLOCKED_TAG_SHARE: 0.5,
            AccountFeature.REMOVED: 0.25,
            AccountFeature.NEW_ACCOUNT: 0.9,
            AccountFeature.BLOCKED_UPLOADS: 0.4,
            AccountFeature.SOLICITATION: 0.3,
        },
        evidence={
            "blocked_tags": [["bluefinch", 12], ["sodapass", 4]],
            "removed_post_ids": ["p1"],
            "blocked_uploads": 2,
            "solicitation_post_ids": ["p2"],
            "created_at": made.isoformat(),
        },
        scored_at=timezone.now(),
        case_id="C-0001",
        case_opened_at=timezone.now(),
    )
    AccountLead.objects.create(
        account_id="acct-10", score=0.2, features={}, evidence={}, scored_at=timezone.now()
    )
    r = moderator.get(LEADS)
    assert r.status_code == 200
    body = r.content.decode()
    assert "@sodapass_fan" in body
    assert "50 % of its tag uses are blocked tags: #bluefinch (12), #sodapass (4)" in body
    assert "1 post removed by moderators" in body
    assert "<dd>1: <code>p1</code></dd>" in body
    assert "New account: made 3 days ago (its age scales the score)" in body
    # Age only scales a lead's score: it never "carries" it; the blocked tags do.
    assert '<li class="reason" data-feature="new_account">' in body
    assert '<li class="reason carries" data-feature="blocked_tag_share">' in body
    assert "2 blocked upload attempts" in body
    assert "1 post match the operator&#x27;s solicitation patterns" in body
    assert "PageRank closeness to the blocked tags: 0.70" in body
    assert 'href="/desk/case/C-0001"' in body
    assert body.index("acct-9") < body.index("acct-10")
    assert "No review case: it ranks below the cut." in body


# --- the pages over what the discovery services found ------------------------------------------


def test_the_pages_show_what_the_services_found_and_approval_suppresses(
    actor: Actor, lead: Client, moderator: Client
) -> None:
    """A ring of new accounts posts the blocked #bluefinch and #sodapass, and with them the
    new #velvetmoth; ordinary accounts post ordinary tags. The graph, scoring and leads run
    as the worker runs them."""
    block("bluefinch")
    block("sodapass")
    events = []
    for a in range(5):
        events.append(account_event(f"ring-{a}", NOW - timedelta(days=2)))
        events += posts(f"ring-{a}", ["bluefinch", "sodapass", "velvetmoth"], 4)
        events += posts(f"ring-{a}", ["bluefinch", "sodapass"], 4, prefix=f"ring-{a}-b")
    for a in range(15):
        events += posts(f"plain-{a}", ["gardening", "sunnyday"], 3)
    ingest(events)
    while discovery.update_graph():
        pass
    discovery.score_tags(now=NOW)
    assert discovery.find_accounts(now=NOW) > 0

    body = open_tags(moderator)
    assert 'data-suggestion="velvetmoth"' in body
    assert 'data-suggestion="gardening"' not in body
    assert "100 % of its posts also carry a blocked tag: #bluefinch (20), #sodapass (20)" in body
    assert "20 posts by 5 accounts" in body
    assert "@ring-0" in body or "ring-0" in body

    found = lead.get(LEADS).content.decode()
    assert 'data-lead="ring-0"' in found
    assert 'data-lead="plain-0"' not in found
    assert "80 % of its tag uses are blocked tags: #bluefinch (8), #sodapass (8)" in found
    case_id = AccountLead.objects.get(account_id="ring-0").case_id
    assert case_id
    assert f'href="/desk/case/{case_id}"' in found
    assert moderator.get(f"/desk/case/{case_id}").status_code == 200

    s = TagSuggestion.objects.get(tag="velvetmoth", state=SuggestionState.OPEN)
    r = lead.post(f"{QUEUE}suggestion/{s.pk}/approve", {"match": "exact", "reason": "ring tag"})
    assert r.status_code == 302
    assert [v.suppressed for v in terms.check_tags(["velvetmoth", "gardening"])] == [True, False]
    assert 'data-suggestion="velvetmoth"' not in open_tags(lead)


def test_the_queue_reads_in_a_fixed_number_of_queries(actor: Actor, moderator: Client) -> None:
    """Example posts, their media and the accounts' handles are read for the whole page at
    once: twelve suggestions cost the queries of two."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(n: int) -> int:
        TagSuggestion.objects.all().delete()
        for k in range(n):
            suggest(f"quietlantern{k}", post_ids=[f"p-{k}-a", f"p-{k}-b"], account_ids=[f"a-{k}"])
        with CaptureQueriesContext(connection) as seen:
            assert moderator.get(QUEUE).status_code == 200
        return len(seen)

    assert queries_for(12) == queries_for(2)
