"""The scan verdict end to end through the services: robustness, precedence, hot reload."""

import pytest
from PIL import ImageOps
from tests.photos import BANKED, EDITS, OTHERS, jpeg, photo

from shieldwall.banks import services as banks
from shieldwall.banks.kinds import BankAction
from shieldwall.core.actors import Actor
from shieldwall.matching.registry import registry
from shieldwall.matching.services import QueryHashes, lookup_hashes, scan_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo_bank(actor: Actor) -> str:
    banks.create_bank(name="photos", actor=actor, action=BankAction.BLOCK)
    for name in BANKED:
        banks.add_media(bank_name="photos", data=jpeg(photo(name)), actor=actor, note=name)
    return "photos"


@pytest.mark.parametrize("edit", sorted(EDITS))
@pytest.mark.parametrize("name", BANKED)
def test_edited_copies_of_banked_photos_match(
    photo_bank: str, actor: Actor, name: str, edit: str
) -> None:
    verdict = scan_bytes(data=EDITS[edit](photo(name)), actor=actor)
    assert verdict.verdict == "block", (name, edit)
    pdq = [m for m in verdict.matches if m.signal_type == "pdq"]
    assert pdq
    assert pdq[0].distance <= 31


@pytest.mark.parametrize("name", OTHERS)
def test_different_photos_do_not_match(photo_bank: str, actor: Actor, name: str) -> None:
    for data in (jpeg(photo(name)), EDITS["mirrored"](photo(name))):
        verdict = scan_bytes(data=data, actor=actor)
        assert verdict.verdict == "allow", (name, verdict.matches)


def test_exact_copy_matches_every_signal(photo_bank: str, actor: Actor) -> None:
    verdict = scan_bytes(data=jpeg(photo("coffee")), actor=actor)
    assert {m.signal_type for m in verdict.matches} == {"md5", "sha256", "pdq"}
    assert all(m.distance == 0 for m in verdict.matches if m.signal_type != "pdq")


def test_block_wins_over_review(actor: Actor) -> None:
    data = jpeg(photo("chelsea"))
    banks.create_bank(name="look", actor=actor, action=BankAction.REVIEW)
    banks.add_media(bank_name="look", data=data, actor=actor)
    assert scan_bytes(data=data, actor=actor).verdict == "review"
    banks.create_bank(name="stop", actor=actor, action=BankAction.BLOCK)
    banks.add_media(bank_name="stop", data=data, actor=actor)
    verdict = scan_bytes(data=data, actor=actor)
    assert verdict.verdict == "block"
    assert verdict.matches[0].bank == "stop"


def test_disabled_bank_and_entries_do_not_match(actor: Actor) -> None:
    data = jpeg(photo("astronaut"))
    banks.create_bank(name="b", actor=actor, action=BankAction.BLOCK)
    added = banks.add_media(bank_name="b", data=data, actor=actor)
    banks.update_bank(name="b", actor=actor, enabled=False)
    assert scan_bytes(data=data, actor=actor).verdict == "allow"
    banks.update_bank(name="b", actor=actor, enabled=True)
    for entry_id in added.entry_ids:
        banks.set_entry_enabled(bank_name="b", entry_id=entry_id, enabled=False, actor=actor)
    assert scan_bytes(data=data, actor=actor).verdict == "allow"


def test_per_bank_threshold(actor: Actor) -> None:
    banks.create_bank(name="strict", actor=actor, action=BankAction.BLOCK, pdq_threshold=0)
    banks.add_media(bank_name="strict", data=jpeg(photo("rocket")), actor=actor)
    edited = EDITS["jpeg_q30"](photo("rocket"))
    assert scan_bytes(data=edited, actor=actor).verdict == "allow"
    banks.update_bank(name="strict", actor=actor, pdq_threshold=31)
    assert scan_bytes(data=edited, actor=actor).verdict == "block"


def test_low_quality_hashes_are_not_used_for_perceptual_matching(actor: Actor) -> None:
    flat = "a" * 64
    banks.create_bank(name="b", actor=actor, action=BankAction.BLOCK)
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", flat)], actor=actor)
    assert lookup_hashes(q=QueryHashes(pdq=flat, pdq_quality=100), actor=actor).verdict == "block"
    assert lookup_hashes(q=QueryHashes(pdq=flat, pdq_quality=49), actor=actor).verdict == "allow"
    # A plain image has a low-quality hash: it must not match a bank entry by PDQ.
    from PIL import Image

    grey = jpeg(Image.new("RGB", (400, 300), (128, 128, 128)))
    banks.add_media(bank_name="b", data=grey, actor=actor)
    other_grey = jpeg(Image.new("RGB", (400, 300), (120, 120, 120)))
    assert scan_bytes(data=other_grey, actor=actor).verdict == "allow"


def test_index_follows_bank_changes_without_restart(actor: Actor, settings) -> None:  # type: ignore[no-untyped-def]
    data = jpeg(ImageOps.mirror(photo("coffee")))
    banks.create_bank(name="b", actor=actor, action=BankAction.BLOCK)
    assert scan_bytes(data=data, actor=actor).verdict == "allow"
    before = {b.name: b.version for b in registry.banks()}
    banks.add_media(bank_name="b", data=jpeg(photo("coffee")), actor=actor)
    assert scan_bytes(data=data, actor=actor).verdict == "block"
    assert {b.name: b.version for b in registry.banks()}["b"] > before["b"]


def test_scan_with_media_id_keeps_its_hashes(actor: Actor) -> None:
    from shieldwall.subjects.models import PlatformMedia

    verdict = scan_bytes(data=jpeg(photo("coffee")), actor=actor, media_id="m-9")
    media = PlatformMedia.objects.get(media_id="m-9")
    assert verdict.hashes is not None
    assert (media.sha256, media.verdict) == (verdict.hashes.sha256, "allow")


def test_other_threads_match_on_the_last_snapshot_while_one_rebuilds(actor: Actor) -> None:
    banks.create_bank(name="b", actor=actor, action=BankAction.BLOCK)
    banks.add_media(bank_name="b", data=jpeg(photo("coffee")), actor=actor)
    first = registry.banks()
    banks.update_bank(name="b", actor=actor, action=BankAction.REVIEW)
    registry._lock.acquire()  # another thread is rebuilding
    try:
        during = registry.banks()
    finally:
        registry._lock.release()
    assert [b.version for b in during] == [b.version for b in first]
    assert [b.action for b in registry.banks()] == ["review"]
