"""Reports grouped into cases, prioritised, and decided with their actions and bank entries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shieldwall.banks import services as banks
from shieldwall.cases import services as cases
from shieldwall.cases.models import Case, CaseState, TrustedFlagger
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Conflict
from shieldwall.integrations.models import Action
from shieldwall.matching.services import scan_bytes
from shieldwall.reports.models import Report
from shieldwall.reports.services import ReportIn, submit_report
from tests.photos import EDITS, jpeg, photo

pytestmark = pytest.mark.django_db

CSE = [
    ("report_post", "start"),
    ("who_affected", "someone_else"),
    ("what_happening", "sensitive"),
    ("sensitive_kind", "cse"),
    ("cse_confirm", "yes"),
    ("review", "submit"),
]
SPAM = [
    ("report_post", "start"),
    ("who_affected", "everyone"),
    ("what_happening", "spam"),
    ("review", "submit"),
]
NCII_ME = [
    ("report_post", "start"),
    ("who_affected", "me"),
    ("what_happening_me", "sensitive"),
    ("sensitive_kind_me", "ncii"),
    ("ncii_support", "yes"),
    ("review", "submit"),
]


def report(
    actor: Actor,
    post: str,
    path=CSE,
    reporter: str = "u1",
    key: str | None = None,
    **fields: object,
) -> Case:  # type: ignore[no-untyped-def]
    stored, _ = submit_report(
        report=ReportIn(
            idempotency_key=key or f"{post}-{reporter}-{len(path)}",
            subject_type="post",
            subject_id=post,
            has_media=True,
            path=list(path),
            fields=dict(fields),
            reporter_id=reporter,
        ),
        actor=actor,
    )
    cases.file_pending_reports()  # what the worker's filer does moments after intake
    return Case.objects.get(case_reports__report=stored)


def posted(actor: Actor, post: str, data: bytes) -> None:
    """The platform scanned this media for the post (so Shieldwall keeps its hashes)."""
    scan_bytes(data=data, actor=actor, media_id=f"m-{post}", post_id=post, account_id="acct-1")


def test_cse_comes_first_with_the_shortest_deadline(actor: Actor) -> None:
    spam = report(actor, "p-spam", SPAM)
    cse = report(actor, "p-cse")
    ncii = report(actor, "p-ncii", NCII_ME)
    assert (cse.tier, ncii.tier, spam.tier) == (1, 2, 3)
    assert cse.deadline_at - cse.opened_at == timedelta(minutes=60)
    assert "reported_by_person_depicted" in ncii.signals
    assert ncii.deadline_at - ncii.opened_at == timedelta(hours=6)  # 12 h halved
    queue = list(Case.objects.order_by("tier", "deadline_at").values_list("subject_id", flat=True))
    assert queue == ["p-cse", "p-ncii", "p-spam"]


def test_reports_about_one_post_share_a_case(actor: Actor) -> None:
    first = report(actor, "p1", reporter="u1")
    report(actor, "p1", reporter="u2")
    again = report(actor, "p1", reporter="u2", key="other-key")
    assert first.pk == again.pk
    assert (again.report_count, again.reporter_count) == (3, 2)


def test_copies_of_one_media_across_posts_share_a_case(actor: Actor) -> None:
    image = jpeg(photo("coffee"))
    posted(actor, "p1", image)
    posted(actor, "p2", image)  # the identical file
    posted(actor, "p3", EDITS["mirrored"](photo("coffee")))  # a perceptual copy
    posted(actor, "p4", jpeg(photo("rocket")))  # something else
    one = report(actor, "p1")
    assert report(actor, "p2", reporter="u2").pk == one.pk
    assert report(actor, "p3", reporter="u3").pk == one.pk
    assert report(actor, "p4", reporter="u4").pk != one.pk


def test_verified_bank_match_raises_a_spam_report_to_the_top(actor: Actor) -> None:
    image = jpeg(photo("chelsea"))
    banks.create_bank(
        name="verified", actor=actor, kind="verified_csam", action="block", reason="test list"
    )
    banks.add_media(bank_name="verified", data=image, actor=actor, reason="test list")
    posted(actor, "p1", EDITS["jpeg_q30"](photo("chelsea")))
    case = report(actor, "p1", SPAM)
    assert case.tier == 1
    assert case.verified_match
    assert "verified_bank_match" in case.signals


def test_trusted_flagger_and_new_account_bring_the_deadline_forward(actor: Actor) -> None:
    from shieldwall.subjects.services import ingest_events

    now = timezone.now()
    ingest_events(
        events=[
            {
                "id": "e1",
                "type": "account.created",
                "occurred_at": now.isoformat(),
                "data": {
                    "account_id": "acct-new",
                    "handle": "fresh",
                    "created_at": now.isoformat(),
                },
            },
            {
                "id": "e2",
                "type": "post.created",
                "occurred_at": now.isoformat(),
                "data": {"post_id": "p-new", "account_id": "acct-new", "text": "hi"},
            },
        ],
        actor=actor,
    )
    TrustedFlagger.objects.create(reporter_id="hotline", name="A hotline")
    case = report(actor, "p-new", SPAM, reporter="hotline")
    assert set(case.signals) >= {"trusted_flagger", "new_account"}
    assert case.deadline_at - case.opened_at == timedelta(hours=72) / 4


def test_interim_protection_limits_a_post_once(actor: Actor, settings) -> None:  # type: ignore[no-untyped-def]
    for n in range(4):
        case = report(actor, "p1", reporter=f"u{n}")
    assert case.limited
    limits = Action.objects.filter(kind="limit_post", subject_id="p1")
    assert limits.count() == 1


def test_remove_post_issues_the_action_banks_the_media_and_blocks_reposts(actor: Actor) -> None:
    image = jpeg(photo("astronaut"))
    posted(actor, "p1", image)
    case = report(actor, "p1")
    cases.decide(case_id=case.public_id, decision="removed_post", actor=actor)
    case.refresh_from_db()
    assert (case.state, case.decision) == ("closed", "removed_post")
    assert Action.objects.filter(kind="remove_post", subject_id="p1").count() == 1
    assert set(Report.objects.values_list("status", flat=True)) == {"actioned"}
    assert scan_bytes(data=image, actor=actor).verdict == "block"
    assert scan_bytes(data=EDITS["mirrored"](photo("astronaut")), actor=actor).verdict == "block"
    with pytest.raises(Conflict):
        cases.decide(case_id=case.public_id, decision="no_violation", actor=actor)


def test_no_violation_tells_the_reporter(actor: Actor) -> None:
    case = report(actor, "p1", SPAM)
    cases.decide(case_id=case.public_id, decision="no_violation", actor=actor)
    assert Report.objects.get().status == "no_violation"
    assert not Action.objects.exists()


def test_cases_near_their_deadline_escalate(actor: Actor) -> None:
    case = report(actor, "p1", SPAM)
    assert cases.escalate_due(now=case.opened_at + timedelta(hours=1)) == 0
    assert cases.escalate_due(now=case.deadline_at - timedelta(minutes=1)) == 1
    case.refresh_from_db()
    assert case.state == CaseState.ESCALATED
    assert cases.escalate_due(now=case.deadline_at) == 0


def test_media_views_are_recorded(actor: Actor) -> None:
    posted(actor, "p1", jpeg(photo("coffee")))
    case = report(actor, "p1")
    cases.record_media_view(case_id=case.public_id, media_id="m-p1", actor=actor)
    assert case.media_views.get().viewer == actor.label
