"""Automatic actions count distinct verified reporters of their own category: strangers,
anonymous floods and one person reporting again cannot meet them."""

from __future__ import annotations

import pytest

from shieldwall.banks import services as banks
from shieldwall.cases import services as cases
from shieldwall.cases.models import Case, TrustedFlagger
from shieldwall.core.actors import Actor
from shieldwall.integrations.models import Action
from shieldwall.reports.models import ReportSource
from shieldwall.reports.services import ReportIn, submit_report
from shieldwall.subjects.services import ingest_events
from tests.cases.test_cases import CSE, SPAM, posted, report
from tests.photos import jpeg, photo
from tests.subjects.builders import post
from tests.subjects.platform import HOST, register

pytestmark = pytest.mark.django_db


def _limits(post_id: str = "p1") -> int:
    return Action.objects.filter(kind="limit_post", subject_id=post_id).count()


def _public(actor: Actor, key: str, path: list[tuple[str, str]] = CSE, **contact: str) -> None:
    submit_report(
        report=ReportIn(
            idempotency_key=key,
            subject_type="post",
            subject_id="",
            subject_url=f"https://{HOST}/p/p1",
            has_media=True,
            path=list(path),
            fields={},
            source=ReportSource.PUBLIC_FORM,
            **contact,
        ),
        actor=actor,
    )


@pytest.fixture
def known_post(actor: Actor) -> None:
    register(actor)
    ingest_events(events=[post("p1", "a1", text="a post")], actor=actor)


def test_three_anonymous_cse_reports_from_one_browser_limit_nothing(
    actor: Actor, known_post: None
) -> None:
    for n in range(3):
        _public(actor, f"tok-{n}")
    assert cases.file_pending_reports() == 3
    case = Case.objects.get()
    assert (case.subject_id, case.tier, case.report_count) == ("p1", 1, 3)
    assert case.reporter_count == 3  # they raise priority ...
    assert not case.limited  # ... but never act alone
    assert _limits() == 0
    assert case.verified_reporters == {}


def test_a_flood_of_anonymous_reports_raises_priority(actor: Actor, known_post: None) -> None:
    for n in range(5):
        _public(actor, f"tok-{n}")
    cases.file_pending_reports()
    case = Case.objects.get()
    assert "many_reporters" in case.signals
    assert _limits() == 0


def test_platform_reports_without_a_signed_in_reporter_do_not_count(actor: Actor) -> None:
    for n in range(3):
        case = report(actor, "p1", reporter="", key=f"k{n}")
    assert not case.limited
    assert _limits() == 0


def test_one_cse_and_two_spam_reports_from_three_users_do_not_limit(actor: Actor) -> None:
    report(actor, "p1", CSE, reporter="u1")
    report(actor, "p1", SPAM, reporter="u2")
    case = report(actor, "p1", SPAM, reporter="u3")
    assert case.category == "child_sexual_exploitation"
    assert case.verified_reporters == {"child_sexual_exploitation": 1, "spam": 2}
    assert not case.limited
    assert _limits() == 0


def test_three_cse_reports_from_three_signed_in_users_limit_the_post(actor: Actor) -> None:
    for n in range(3):
        case = report(actor, "p1", reporter=f"u{n}")
    assert case.limited
    assert _limits() == 1
    limit = Action.objects.get(kind="limit_post")
    assert (limit.subject_id, limit.reason) == ("p1", "interim_cse_review")


def test_the_same_user_reporting_three_times_limits_nothing(actor: Actor) -> None:
    for n in range(3):
        case = report(actor, "p1", reporter="u1", key=f"k{n}")
    assert case.report_count == 3
    assert case.verified_reporters == {"child_sexual_exploitation": 1}
    assert not case.limited


def test_the_same_user_through_a_second_platform_key_is_still_one_reporter(
    actor: Actor,
) -> None:
    rotated = Actor(kind="apikey", name="rotated-key", superuser=True)
    report(actor, "p1", reporter="u1", key="k1")
    report(rotated, "p1", reporter="u1", key="k2")
    case = report(rotated, "p1", reporter="u1", key="k3")
    assert case.verified_reporters == {"child_sexual_exploitation": 1}
    assert not case.limited


def test_anonymous_reports_on_top_of_two_verified_ones_do_not_tip_it(
    actor: Actor, known_post: None
) -> None:
    report(actor, "p1", reporter="u1")
    report(actor, "p1", reporter="u2")
    _public(actor, "tok-1")
    _public(actor, "tok-2", reporter_email="someone@example.test", reporter_name="Some One")
    cases.file_pending_reports()
    case = Case.objects.get()
    assert case.report_count == 4
    assert not case.limited


def test_a_trusted_flagger_is_a_verified_reporter(actor: Actor) -> None:
    TrustedFlagger.objects.create(reporter_id="hotline", name="A hotline")
    report(actor, "p1", reporter="u1")
    report(actor, "p1", reporter="u2")
    case = report(actor, "p1", reporter="hotline")
    assert "trusted_flagger" in case.signals
    assert case.limited


def test_a_hash_match_limits_a_cse_reported_post_whoever_reported(
    actor: Actor, known_post: None
) -> None:
    image = jpeg(photo("chelsea"))
    banks.create_bank(
        name="verified", actor=actor, kind="verified_csam", action="block", reason="test"
    )
    banks.add_media(bank_name="verified", data=image, actor=actor, reason="test")
    posted(actor, "p1", image)
    _public(actor, "tok-1")
    cases.file_pending_reports()
    assert Case.objects.get().limited
    assert _limits() == 1


def test_a_match_in_a_custom_bank_does_not_let_one_anonymous_report_limit_a_post(
    actor: Actor, known_post: None
) -> None:
    # The platform's own bank of anything, review only: a stranger's one report is not enough.
    image = jpeg(photo("chelsea"))
    banks.create_bank(name="memes", actor=actor, kind="custom", action="review")
    banks.add_media(bank_name="memes", data=image, actor=actor)
    posted(actor, "p1", image)
    _public(actor, "tok-1")
    cases.file_pending_reports()
    case = Case.objects.get()
    assert case.hash_matches  # the match still raises priority ...
    assert not case.limited  # ... but limits nothing
    assert _limits() == 0
