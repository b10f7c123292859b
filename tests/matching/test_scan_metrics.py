"""Scans move the counters operators scrape: by verdict and the kind of bank that decided."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.metrics_support import Samples, parse, sample
from tests.photos import jpeg, photo

from shieldwall.banks import services as banks
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Invalid
from shieldwall.matching.services import QueryHashes, lookup_hashes, scan_bytes

pytestmark = pytest.mark.django_db


def _scrape() -> Samples:
    r = Client().get("/metrics")
    assert r.status_code == 200
    return parse(r.content.decode())


def _scans(samples: Samples, verdict: str, bank_kind: str) -> float:
    return sample(samples, "shieldwall_scans_total", verdict=verdict, bank_kind=bank_kind)


@pytest.fixture
def verified(actor: Actor) -> bytes:
    """A photo banked in a blocking verified-CSAM bank (a placeholder photo, not abuse)."""
    data = jpeg(photo("coffee"))
    banks.create_bank(
        name="verified", actor=actor, kind="verified_csam", action="block", reason="test"
    )
    banks.add_media(bank_name="verified", data=data, actor=actor, reason="test")
    return data


def test_a_blocked_scan_counts_under_block_and_the_banks_kind(
    verified: bytes, actor: Actor
) -> None:
    before = _scrape()
    assert scan_bytes(data=verified, actor=actor).verdict == "block"
    after = _scrape()
    assert _scans(after, "block", "verified_csam") - _scans(before, "block", "verified_csam") == 1
    assert _scans(after, "allow", "none") == _scans(before, "allow", "none")


def test_a_review_from_a_custom_bank_counts_under_its_kind(actor: Actor) -> None:
    data = jpeg(photo("chelsea"))
    banks.create_bank(name="look", actor=actor, action="review")
    banks.add_media(bank_name="look", data=data, actor=actor)
    before = _scrape()
    assert scan_bytes(data=data, actor=actor).verdict == "review"
    after = _scrape()
    assert _scans(after, "review", "custom") - _scans(before, "review", "custom") == 1


def test_the_blocking_bank_decides_the_kind_when_a_review_bank_also_matches(
    verified: bytes, actor: Actor
) -> None:
    banks.create_bank(name="look", actor=actor, action="review")
    banks.add_media(bank_name="look", data=verified, actor=actor)
    before = _scrape()
    scan_bytes(data=verified, actor=actor)
    after = _scrape()
    assert _scans(after, "block", "verified_csam") - _scans(before, "block", "verified_csam") == 1
    assert _scans(after, "review", "custom") == _scans(before, "review", "custom")


def test_an_allowed_scan_counts_under_no_bank(verified: bytes, actor: Actor) -> None:
    before = _scrape()
    assert scan_bytes(data=jpeg(photo("rocket")), actor=actor).verdict == "allow"
    after = _scrape()
    assert _scans(after, "allow", "none") - _scans(before, "allow", "none") == 1


def test_media_that_cannot_be_decoded_counts_as_refused(actor: Actor) -> None:
    before = _scrape()
    with pytest.raises(Invalid):
        scan_bytes(data=b"not an image at all", actor=actor)
    after = _scrape()
    assert _scans(after, "refused", "none") - _scans(before, "refused", "none") == 1


def test_each_scan_is_timed_once_and_its_matching_once(verified: bytes, actor: Actor) -> None:
    before = _scrape()
    scan_bytes(data=verified, actor=actor)
    after = _scrape()
    for name in ("shieldwall_scan_duration_seconds", "shieldwall_match_duration_seconds"):
        assert sample(after, f"{name}_count") - sample(before, f"{name}_count") == 1
        assert sample(after, f"{name}_sum") > sample(before, f"{name}_sum")


def test_a_hash_lookup_is_timed_as_matching_but_not_counted_as_a_scan(actor: Actor) -> None:
    before = _scrape()
    lookup_hashes(q=QueryHashes(md5="0" * 32), actor=actor)
    after = _scrape()
    count = "shieldwall_match_duration_seconds_count"
    assert sample(after, count) - sample(before, count) == 1
    scans = "shieldwall_scan_duration_seconds_count"
    assert sample(after, scans) == sample(before, scans)
