"""Blocked and near-matching uploads reach staff: account cases, review cases, no actions."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shieldwall.banks import services as banks
from shieldwall.cases.models import Case, Tier
from shieldwall.cases.scan_signals import (
    NEAR_MATCH,
    REPEATED_BLOCKS,
    file_scan_signals,
    run_signal_filer,
)
from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.integrations.models import Action
from shieldwall.matching.models import ScanSignal
from shieldwall.matching.services import scan_bytes
from shieldwall.media import hash_bytes
from tests.cases.test_desk import login
from tests.photos import crop, jpeg, photo

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cases.test_desk")]


def _bank(actor: Actor, kind: str = "platform_removed", name: str = "known") -> bytes:
    data = jpeg(photo("astronaut"))
    banks.create_bank(name=name, actor=actor, action="block", kind=kind, reason="test bank")
    banks.add_media(bank_name=name, data=data, actor=actor, reason="test bank")
    return data


def _upload(actor: Actor, data: bytes, n: int, account: str = "acct-1") -> str:
    return scan_bytes(
        data=data, actor=actor, media_id=f"m-{account}-{n}", post_id=f"p-{n}", account_id=account
    ).verdict


def _account_cases(account: str = "acct-1") -> list[Case]:
    return list(Case.objects.filter(subject_type="account", subject_id=account))


def test_repeated_blocked_uploads_open_one_case_on_the_account(actor: Actor) -> None:
    data = _bank(actor)
    for n in range(2):
        assert _upload(actor, data, n) == "block"
    assert file_scan_signals() == 2
    assert _account_cases() == []  # two attempts: below the default of three
    assert _upload(actor, data, 2) == "block"
    file_scan_signals()
    (case,) = _account_cases()
    assert case.account_id == "acct-1"
    assert REPEATED_BLOCKS in case.signals
    assert case.tier == Tier.OTHER  # a platform-removed bank: not the CSE tier
    evidence = ScanSignal.objects.filter(case_id=case.public_id)
    assert evidence.count() == 3
    assert {m["bank"] for s in evidence for m in s.matches} == {"known"}
    assert _upload(actor, data, 3) == "block"
    file_scan_signals()
    assert _account_cases() == [case]
    assert ScanSignal.objects.filter(case_id=case.public_id).count() == 4
    assert not Action.objects.exists()  # staff decide; nothing is suspended by this alone
    assert AuditEvent.objects.filter(action="case.open", subject_id=case.public_id).exists()


def test_one_block_against_a_verified_csam_bank_opens_a_cse_case_at_once(actor: Actor) -> None:
    data = _bank(actor, kind="verified_csam", name="verified")
    assert _upload(actor, data, 0) == "block"
    file_scan_signals()
    (case,) = _account_cases()
    assert (case.tier, case.category) == (Tier.CSE, "child_sexual_exploitation")
    assert case.verified_match
    assert {"verified_bank_match", REPEATED_BLOCKS} <= set(case.signals)
    assert case.deadline_at - case.opened_at <= timedelta(minutes=60)
    assert not Action.objects.exists()


def test_blocks_out_of_the_window_or_by_others_do_not_add_up(actor: Actor) -> None:
    data = _bank(actor)
    for n in range(2):
        _upload(actor, data, n)
    ScanSignal.objects.update(created_at=timezone.now() - timedelta(hours=25))
    _upload(actor, data, 2)
    _upload(actor, data, 3, account="acct-2")
    _upload(actor, data, 4, account="acct-3")
    file_scan_signals()
    assert not Case.objects.exists()
    assert not ScanSignal.objects.filter(filed_at__isnull=True).exists()


def test_the_threshold_and_window_are_settings(actor: Actor, settings) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    settings.SHIELDWALL = dataclasses.replace(settings.SHIELDWALL, blocked_uploads_case_count=1)
    _upload(actor, _bank(actor), 0)
    file_scan_signals()
    assert len(_account_cases()) == 1


def test_the_case_page_shows_the_blocked_hashes_and_banks(actor: Actor) -> None:
    data = _bank(actor, kind="verified_csam", name="verified")
    _upload(actor, data, 0)
    file_scan_signals()
    (case,) = _account_cases()
    page = login(actor, "moderator").get(f"/desk/case/{case.public_id}").content.decode()
    h = hash_bytes(data)
    assert "Uploads seen by scans" in page
    assert "Blocked upload of known media" in page
    # The blocked upload's hashes are the verified bank's own: not for a moderator's eyes ...
    assert h.sha256 not in page
    assert h.md5 not in page
    assert "Hashes are shown to compliance and admins." in page
    # ... but for compliance, who may read the bank's hashes.
    shown = login(actor, "compliance").get(f"/desk/case/{case.public_id}").content.decode()
    assert h.sha256 in shown
    assert h.md5 in shown
    assert "verified CSAM" in page
    assert "m-acct-1-0" in page
    assert "Repeated blocked uploads" in page
    assert "as sent by <code>cli:" in page  # whose word the account id is


def _near_miss(actor: Actor) -> bytes:
    """A bank holding one imported PDQ hash; an upload 32-52 bits from it (a corner crop)."""
    original = hash_bytes(jpeg(photo("chelsea")))
    banks.create_bank(
        name="known", actor=actor, action="block", kind="verified_csam", reason="test bank"
    )
    banks.add_hashes(
        bank_name="known",
        rows=[banks.HashRow("pdq", original.pdq or "", quality=original.pdq_quality)],
        actor=actor,
        reason="test bank",
    )
    return jpeg(crop(photo("chelsea"), top=0.02, left=0.02))


def test_a_near_match_opens_a_review_case_on_the_post_without_action(actor: Actor) -> None:
    data = _near_miss(actor)
    verdict = scan_bytes(data=data, actor=actor, media_id="m1", post_id="p1", account_id="a1")
    assert (verdict.verdict, verdict.matches) == ("allow", [])
    (near,) = verdict.near
    assert near.bank == "known"
    assert 31 < near.distance <= 52
    file_scan_signals()
    case = Case.objects.get(subject_type="post", subject_id="p1")
    assert NEAR_MATCH in case.signals
    assert not case.verified_match  # near is not a match: the moderator must look
    assert case.tier == Tier.CSE  # but near a verified-CSAM bank, it comes first
    assert list(case.media.values_list("media_id", flat=True)) == ["m1"]
    assert not Action.objects.exists()
    page = login(actor, "moderator").get(f"/desk/case/{case.public_id}").content.decode()
    assert "Near match to a blocking bank" in page
    assert f">{near.distance} <span" in page
    assert "(matches at ≤ 31)" in page


def test_a_radius_of_zero_turns_near_matches_off(actor: Actor, settings) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    settings.SHIELDWALL = dataclasses.replace(settings.SHIELDWALL, near_match_radius=0)
    data = _near_miss(actor)
    verdict = scan_bytes(data=data, actor=actor, media_id="m1", post_id="p1")
    assert (verdict.verdict, verdict.near) == ("allow", [])
    assert not ScanSignal.objects.exists()


def test_the_platform_is_not_told_about_a_near_match(actor: Actor, api: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _near_miss(actor)
    upload = SimpleUploadedFile("u.jpg", data, content_type="image/jpeg")
    body = api.post("/api/v1/scan", {"media": upload, "media_id": "m1", "post_id": "p1"}).json()
    assert (body["verdict"], body["matches"]) == ("allow", [])
    assert "near" not in str(body).lower()
    assert ScanSignal.objects.filter(kind="near_match", media_id="m1").exists()


def test_a_near_match_joins_the_posts_open_case(actor: Actor) -> None:
    data = _near_miss(actor)
    scan_bytes(data=data, actor=actor, media_id="m1", post_id="p1")
    scan_bytes(data=data, actor=actor, media_id="m2", post_id="p1")
    file_scan_signals()
    scan_bytes(data=data, actor=actor, media_id="m3", post_id="p1")
    file_scan_signals()
    case = Case.objects.get(subject_type="post", subject_id="p1")
    assert sorted(case.media.values_list("media_id", flat=True)) == ["m1", "m2", "m3"]


def test_scans_without_media_id_or_news_write_no_signal(actor: Actor) -> None:
    data = _bank(actor)
    assert scan_bytes(data=data, actor=actor).verdict == "block"  # no account: still recorded
    scan_bytes(data=jpeg(photo("coffee")), actor=actor, media_id="m-ok", post_id="p-ok")
    assert list(ScanSignal.objects.values_list("kind", flat=True)) == ["blocked"]
    file_scan_signals()
    assert not Case.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_workers_signal_filer_files_within_moments(actor: Actor) -> None:
    data = _bank(actor, kind="verified_csam", name="verified")
    stop = threading.Event()
    filer = threading.Thread(target=run_signal_filer, args=(stop, 0.05))
    filer.start()
    try:
        _upload(actor, data, 0)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _account_cases():
            time.sleep(0.05)
    finally:
        stop.set()
        filer.join(timeout=5)
    assert len(_account_cases()) == 1


def test_a_near_match_without_its_post_waits_for_the_platform_to_say(actor: Actor) -> None:
    from shieldwall.subjects.services import ingest_events
    from tests.subjects.builders import event

    data = _near_miss(actor)
    scan_bytes(data=data, actor=actor, media_id="m1")  # the platform sent no post id
    scan_bytes(data=data, actor=actor, media_id="m2")
    assert file_scan_signals() == 0  # waiting for media.attached
    ingest_events(events=[event("media.attached", media_id="m1", post_id="p9")], actor=actor)
    later = timezone.now() + timedelta(minutes=11)
    assert file_scan_signals(now=later) == 2
    case = Case.objects.get(subject_type="post", subject_id="p9")
    assert list(case.media.values_list("media_id", flat=True)) == ["m1"]
    assert Case.objects.count() == 1  # m2 never appeared on a post: nothing public to review
    assert not ScanSignal.objects.filter(filed_at__isnull=True).exists()


def test_a_group_that_fails_to_file_is_left_for_the_next_round(actor: Actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shieldwall.cases import scan_signals

    data = _bank(actor, kind="verified_csam", name="verified")
    _upload(actor, data, 0, account="acct-1")
    _upload(actor, data, 1, account="acct-2")
    real = scan_signals._blocked_uploads

    def flaky(account_id, signals, now):  # type: ignore[no-untyped-def]
        if account_id == "acct-1":
            raise RuntimeError("database hiccup")
        return real(account_id, signals, now)

    monkeypatch.setattr(scan_signals, "_blocked_uploads", flaky)
    file_scan_signals()
    assert _account_cases("acct-2")
    assert not _account_cases("acct-1")
    pending = ScanSignal.objects.filter(filed_at__isnull=True)
    assert list(pending.values_list("account_id", flat=True)) == ["acct-1"]
    monkeypatch.setattr(scan_signals, "_blocked_uploads", real)
    file_scan_signals()
    assert _account_cases("acct-1")
