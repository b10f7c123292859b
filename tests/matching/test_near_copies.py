"""Near copies of removed media are refused; imported lists stay as they are; no false match."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.photos import BANKED, NEAR_COPY_EDITS, jpeg, ordinary_photos, photo

from shieldwall.banks import services as banks
from shieldwall.banks.kinds import BankAction, BankKind, SignalType
from shieldwall.banks.models import BankEntry
from shieldwall.cases import services as cases
from shieldwall.cases.models import Case
from shieldwall.core.actors import Actor
from shieldwall.matching.models import ScanSignal
from shieldwall.matching.services import scan_bytes
from shieldwall.media import hamming, hash_bytes
from shieldwall.reports.services import ReportIn, submit_report
from shieldwall.subjects.kinds import SubjectType

pytestmark = pytest.mark.django_db

CSE = [
    ("report_post", "start"),
    ("who_affected", "someone_else"),
    ("what_happening", "sensitive"),
    ("sensitive_kind", "cse"),
    ("cse_confirm", "yes"),
    ("review", "submit"),
]
REMOVED = "chelsea"  # every edit below is more than 31 bits from its plain hash


def _remove_post(actor: Actor, data: bytes, post: str = "p1") -> Case:
    """The platform scans the upload, someone reports the post, a moderator removes it."""
    scan_bytes(data=data, actor=actor, media_id=f"m-{post}", post_id=post, account_id="acct-1")
    stored, _ = submit_report(
        report=ReportIn(
            idempotency_key=f"r-{post}",
            subject_type=SubjectType.POST,
            subject_id=post,
            has_media=True,
            path=list(CSE),
            fields={},
            reporter_id="u1",
        ),
        actor=actor,
    )
    cases.file_pending_reports()
    case = Case.objects.get(case_reports__report=stored)
    cases.decide(case_id=case.public_id, decision="removed_post", actor=actor)
    return case


@pytest.fixture
def removed(actor: Actor) -> Case:
    return _remove_post(actor, jpeg(photo(REMOVED)))


@pytest.mark.parametrize("edit", sorted(NEAR_COPY_EDITS))
def test_an_edited_copy_of_removed_media_is_refused(actor: Actor, removed: Case, edit: str) -> None:
    data = NEAR_COPY_EDITS[edit](photo(REMOVED))
    plain = hash_bytes(data)
    original = hash_bytes(jpeg(photo(REMOVED))).pdq or ""
    # What the scan matched before near copies: far outside the bank's threshold.
    assert min(hamming(q, original) for q in (*plain.pdq_dihedral, *plain.pdq_untrimmed)) > 31
    verdict = scan_bytes(data=data, actor=actor, media_id="m-again", account_id="acct-2")
    assert verdict.verdict == "block", edit
    assert verdict.matches[0].bank == cases.REMOVED_BANK


def test_a_removal_banks_near_copies_that_point_at_their_original(
    actor: Actor, removed: Case
) -> None:
    entries = BankEntry.objects.filter(bank__name=cases.REMOVED_BANK)
    original = entries.get(signal_type=SignalType.PDQ, variant_of__isnull=True)
    variants = entries.filter(variant_of=original)
    assert entries.count() == 3 + variants.count()  # md5, sha256, pdq, and the near copies
    assert 45 <= variants.count() <= 55
    assert all(v.note.startswith("near copy (") for v in variants)
    assert all(v.signal_type == "pdq" for v in variants)
    cropped = scan_bytes(data=NEAR_COPY_EDITS["cropped_top_10"](photo(REMOVED)), actor=actor)
    assert cropped.matches[0].variant_of == original.pk


def test_exports_leave_near_copies_out(actor: Actor, removed: Case) -> None:
    lines = list(banks.export_csv(bank_name=cases.REMOVED_BANK, actor=actor, reason="test"))
    assert [line.split(",")[0] for line in lines[1:]] == ["md5", "sha256", "pdq"]


def test_a_near_copy_match_says_which_original_it_stands_for_to_staff_only(
    actor: Actor, removed: Case, api: Client
) -> None:
    data = NEAR_COPY_EDITS["rotated_3"](photo(REMOVED))
    original = BankEntry.objects.get(
        bank__name=cases.REMOVED_BANK, signal_type=SignalType.PDQ, variant_of__isnull=True
    )
    verdict = scan_bytes(data=data, actor=actor)  # the operator: every detail
    assert verdict.verdict == "block"
    assert verdict.matches[0].variant_of == original.pk
    # A platform key hears the removed-media bank said block, not which entry or how close.
    body = api.post("/api/v1/scan", {"media": _upload(data)}).json()
    assert body["verdict"] == "block"
    assert body["matches"][0]["withheld"] is True
    assert body["matches"][0]["variant_of"] is None


def _upload(data: bytes):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("u.jpg", data, content_type="image/jpeg")


def test_media_added_from_bytes_banks_near_copies_that_follow_it(actor: Actor) -> None:
    banks.create_bank(name="b", actor=actor, action=BankAction.BLOCK)
    added = banks.add_media(bank_name="b", data=jpeg(photo("coffee")), actor=actor)
    assert added.variants >= 40
    original = BankEntry.objects.get(
        bank__name="b", signal_type=SignalType.PDQ, variant_of__isnull=True
    )
    edit = NEAR_COPY_EDITS["cropped_centre_10"](photo("coffee"))
    assert scan_bytes(data=edit, actor=actor).verdict == "block"
    banks.set_entry_enabled(bank_name="b", entry_id=original.pk, enabled=False, actor=actor)
    assert not original.variants.filter(enabled=True).exists()
    assert scan_bytes(data=edit, actor=actor).verdict == "allow"
    removed = banks.remove_entries(bank_name="b", entry_ids=[original.pk], actor=actor)
    assert removed == 1 + added.variants
    assert not BankEntry.objects.filter(bank__name="b", signal_type=SignalType.PDQ).exists()


def test_imported_hash_lists_get_no_near_copies(actor: Actor) -> None:
    h = hash_bytes(jpeg(photo("coffee")))
    banks.create_bank(name="list", actor=actor, action=BankAction.BLOCK)
    text = f"signal_type,value\nmd5,{h.md5}\npdq,{h.pdq}\n"
    assert banks.import_csv(bank_name="list", text=text, actor=actor).added == 2
    assert BankEntry.objects.filter(bank__name="list").count() == 2
    edit = NEAR_COPY_EDITS["cropped_centre_10"](photo("coffee"))
    assert scan_bytes(data=edit, actor=actor).verdict == "allow"


def test_no_ordinary_photo_matches_or_comes_near_the_banked_ones(actor: Actor) -> None:
    """51 ordinary pictures (see tests.photos.ordinary_photos) against six banked photos and
    their near copies: nothing within the threshold (31), nothing within the review radius."""
    banks.create_bank(name="b", actor=actor, action=BankAction.BLOCK)
    for name in BANKED:
        banks.add_media(bank_name="b", data=jpeg(photo(name)), actor=actor, note=name)
    assert BankEntry.objects.filter(variant_of__isnull=False).count() >= 6 * 40
    usable = 0
    for n, (name, img) in enumerate(ordinary_photos().items()):
        verdict = scan_bytes(data=jpeg(img), actor=actor, media_id=f"o-{n}", post_id=f"op-{n}")
        assert verdict.verdict == "allow", (name, verdict.matches)
        assert verdict.near == [], (name, verdict.near)
        assert verdict.hashes is not None
        usable += (verdict.hashes.pdq_quality or 0) >= 50
    assert usable >= 40
    assert not ScanSignal.objects.exists()


def test_a_near_copy_of_verified_media_is_tier_one_but_must_still_be_looked_at(
    actor: Actor,
) -> None:
    # Our guess at an edit of verified media raises the case to the top, but acting without
    # viewing needs the verified media itself.
    banks.create_bank(
        name="verified",
        actor=actor,
        kind=BankKind.VERIFIED_CSAM,
        action=BankAction.REVIEW,
        reason="test",
    )
    banks.add_media(bank_name="verified", data=jpeg(photo(REMOVED)), actor=actor, reason="test")
    edit = NEAR_COPY_EDITS["cropped_centre_10"](photo(REMOVED))
    scan_bytes(data=edit, actor=actor, media_id="m-p2", post_id="p2", account_id="acct-2")
    stored, _ = submit_report(
        report=ReportIn(
            idempotency_key="r-p2",
            subject_type=SubjectType.POST,
            subject_id="p2",
            has_media=True,
            path=list(CSE),
            fields={},
            reporter_id="u1",
        ),
        actor=actor,
    )
    cases.file_pending_reports()
    case = Case.objects.get(case_reports__report=stored)
    assert case.tier == 1
    assert any(m["variant_of"] for m in case.hash_matches)
    assert not case.verified_match
