"""The SDK against a real `shieldwall serve` on a fresh home and database.

The events, actions and webhook tests are written to docs/integration.md.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from shieldwall_client import (
    HashRow,
    ShieldwallError,
    WebhookSignatureError,
    events,
    verify_webhook,
)
from tests.client.live import Live
from tests.client.scripted import Reply, ScriptedServer
from tests.photos import jpeg, photo

pytestmark = pytest.mark.slow

BANKED = Path(__file__).parents[1] / "fixtures" / "pdq" / "bridge-mods" / "aaa-orig.jpg"


def mirrored(path: Path) -> bytes:
    """The image flipped left to right, as a re-uploader might."""
    buf = io.BytesIO()
    with Image.open(path) as img:
        ImageOps.mirror(img).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def md5_of(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def bank_fixture(live: Live, action: str = "block") -> None:
    assert live.sw("bank", "create", "known", "--action", action).code == 0
    added = live.sw("bank", "add", "known", str(BANKED))
    assert added.code == 0, added.err


# -- matching ------------------------------------------------------------------------------


def test_scan_blocks_banked_media_and_its_mirror_and_allows_the_rest(live: Live) -> None:
    bank_fixture(live)
    with live.client() as sw:
        by_path = sw.scan(BANKED, media_id="m1", post_id="p1", account_id="a1")
        assert by_path.verdict == "block"
        assert by_path.blocked
        assert not by_path.needs_review
        assert {m.bank for m in by_path.matches} == {"known"}
        assert by_path.matches[0].action == "block"
        assert by_path.hashes is not None
        assert by_path.hashes.md5 == md5_of(BANKED.read_bytes())
        assert by_path.hashes.media_type == "image"

        mirror = sw.scan(mirrored(BANKED), media_id="m2", filename="flipped.jpg")
        assert mirror.blocked
        pdq = [m for m in mirror.matches if m.signal_type == "pdq"]
        assert pdq
        assert pdq[0].distance <= 31

        with BANKED.open("rb") as f:
            assert sw.scan(f).blocked

        other = sw.scan(jpeg(photo("coffee")), media_id="m3")
        assert other.verdict == "allow"
        assert not other.blocked
        assert other.matches == []


def test_lookup_matches_hashes_without_the_media(live: Live) -> None:
    bank_fixture(live)
    with live.client() as sw:
        flipped = sw.scan(mirrored(BANKED)).hashes
        assert flipped is not None
        assert flipped.pdq is not None
        assert sw.lookup(pdq=flipped.pdq, pdq_quality=flipped.pdq_quality).blocked
        by_md5 = sw.lookup(md5=md5_of(BANKED.read_bytes()).upper())
        assert by_md5.blocked
        assert by_md5.hashes is None
        assert sw.lookup(sha256="0" * 64).verdict == "allow"
        with pytest.raises(ShieldwallError) as info:
            sw.lookup()
        assert (info.value.status, info.value.code) == (422, "no_hashes")
        with pytest.raises(ShieldwallError) as info:
            sw.lookup(pdq="not-a-pdq-hash")
        assert (info.value.status, info.value.code, info.value.field) == (
            422,
            "invalid_request",
            "pdq",
        )


def test_bank_admin_from_code(live: Live) -> None:
    other = jpeg(photo("coffee"))
    with live.client() as sw:
        with pytest.raises(ShieldwallError) as info:
            sw.create_bank("not-mine-to-make", kind="platform_removed", action="review")
        assert (info.value.status, info.value.code) == (403, "protected_kind")
        bank = sw.create_bank("second-look", action="review")
        assert (bank.name, bank.kind, bank.action, bank.pdq_threshold, bank.protected) == (
            "second-look",
            "custom",
            "review",
            31,
            False,
        )
        assert [b.name for b in sw.banks()] == ["second-look"]
        assert sw.bank("second-look").enabled

        added = sw.add_bank_media("second-look", mirrored(BANKED), note="flipped")
        assert added.added >= 1
        assert sw.scan(BANKED).needs_review

        rows: list[HashRow | dict[str, str]] = [
            HashRow("md5", md5_of(other)),
            {"signal_type": "sha256", "value": "1" * 64},
        ]
        first = sw.add_hashes("second-look", rows)
        assert (first.added, first.duplicates, len(first.entry_ids)) == (2, 0, 2)
        again = sw.add_hashes("second-look", rows)
        assert (again.added, again.duplicates) == (0, 2)
        assert sw.lookup(md5=md5_of(other)).verdict == "review"
        assert sw.bank("second-look").entry_counts["md5"] >= 2

        with pytest.raises(ShieldwallError) as info:
            sw.create_bank("second-look")
        assert info.value.status == 409
        with pytest.raises(ShieldwallError) as info:
            sw.bank("no-such-bank")
        assert info.value.status == 404
        with pytest.raises(ShieldwallError) as info:
            sw.add_bank_media("no-such-bank", other)
        assert info.value.status == 404
        with pytest.raises(ShieldwallError) as info:
            sw.create_bank("Not A Valid Name")
        assert (info.value.status, info.value.field) == (422, "name")


# -- errors --------------------------------------------------------------------------------


def test_the_platform_registers_its_links_and_bad_patterns_are_refused(live: Live) -> None:
    with live.client() as sw:
        with pytest.raises(ShieldwallError) as none_yet:
            sw.platform()
        assert none_yet.value.status == 404
        first = sw.set_platform(
            hosts=["Tidepool.Example"], links={"post": ["/p/{id}"]}, media_hosts=[]
        )
        assert (first.hosts, first.changed) == (["tidepool.example"], True)
        assert not sw.set_platform(hosts=["tidepool.example"], links={"post": ["/p/{id}"]}).changed
        with pytest.raises(ShieldwallError) as bad:
            sw.set_platform(hosts=["tidepool.example"], links={"post": ["/p/{handle}"]})
        assert (bad.value.status, bad.value.field) == (422, "links.post.0")
        assert sw.platform().links == {"post": ["/p/{id}"]}


def test_a_bad_key_is_401(live: Live) -> None:
    with type(live.client())(live.base_url, api_key="sw_not_a_real_key") as sw:
        for call in (sw.banks, lambda: sw.scan(b"\xff\xd8\xff"), lambda: sw.lookup(md5="a" * 32)):
            with pytest.raises(ShieldwallError) as info:
                call()
            assert (info.value.status, info.value.code) == (401, "unauthorized")
            assert "Bearer" in info.value.message


def test_a_corrupt_or_empty_file_is_422(live: Live) -> None:
    with live.client() as sw:
        for content in (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, b"", b"plain text, not media"):
            with pytest.raises(ShieldwallError) as info:
                sw.scan(content, media_id="bad")
            assert info.value.status == 422
            assert info.value.code in {"corrupt", "empty_file", "unsupported_type"}
            assert info.value.message


def test_oversized_ids_are_refused_with_their_field(live: Live) -> None:
    with live.client() as sw, pytest.raises(ShieldwallError) as info:
        sw.scan(jpeg(photo("coffee")), post_id="p" * 201)
    assert (info.value.status, info.value.field) == (400, "post_id")


# -- events (POST /api/v1/events) ----------------------------------------------------------


def test_events_are_accepted_once_then_answered_as_duplicates(live: Live) -> None:
    batch = [
        events.account_created("a1", "someone", display_name="Some One"),
        events.post_created(
            "p1", "a1", "hello #PlaceholderTag", hashtags=["PlaceholderTag"], media_ids=["m1"]
        ),
        events.media_attached("m1", "p1", "image"),
        events.post_metrics("p1", views=10, reshares=1, likes=2),
        events.post_deleted("p0"),
    ]
    with live.client() as sw:
        first = sw.send_events(batch)
        assert (first.accepted, first.duplicates) == (5, 0)
        assert [(r.id, r.status) for r in first.results] == [(e.id, "accepted") for e in batch]
        again = sw.send_events(batch[:2])
        assert (again.accepted, again.duplicates) == (0, 2)
        assert [r.status for r in again.results] == ["duplicate", "duplicate"]


def test_one_invalid_event_refuses_the_batch_and_stores_nothing(live: Live) -> None:
    good = events.post_deleted("p1")
    bad = {
        "id": "evt-bad",
        "type": "post.created",
        "occurred_at": "2026-11-26T12:00:00Z",
        "data": {"account_id": "a1", "text": "no post id"},
    }
    with live.client() as sw:
        with pytest.raises(ShieldwallError) as info:
            sw.send_events([good, bad])
        assert info.value.status == 422
        assert info.value.field == "events.1.data.post_id"
        assert sw.send_events([good]).accepted == 1  # not stored by the refused batch


def test_more_than_1000_events_go_in_several_requests(live: Live) -> None:
    batch = [events.post_metrics("p1", views=i, reshares=0) for i in range(1001)]
    with live.client() as sw:
        result = sw.send_events(batch)
        assert (result.accepted, result.duplicates, len(result.results)) == (1001, 0, 1001)
        assert sw.send_events(batch[-2:]).duplicates == 2


# -- actions (GET /api/v1/actions, POST /api/v1/actions/{id}/ack, webhooks) -----------------


def test_actions_are_pulled_in_order_and_acked(live: Live) -> None:
    issued = [
        live.issue_action("remove_post", "p1"),
        live.issue_action("suspend_account", "a1"),
        live.issue_action("suppress_hashtag", "placeholdertag"),
    ]
    with live.client() as sw:
        page = sw.actions(limit=2)
        assert [a.id for a in page.actions] == issued[:2]
        assert page.actions[0].kind == "remove_post"
        assert (page.actions[0].subject.type, page.actions[0].subject.id) == ("post", "p1")
        assert page.actions[1].subject.type == "account"
        assert page.actions[0].reason == "test_reason"
        assert page.next
        rest = sw.actions(after=page.next)
        assert [a.id for a in rest.actions] == issued[2:]
        assert sw.actions(after=rest.next).actions == []
        assert [a.id for a in sw.actions().actions] == issued

        acked = sw.ack(issued[0], "applied", "removed")
        assert acked == page.actions[0]
        assert acked.ack is not None
        assert (acked.ack.status, acked.ack.detail) == ("applied", "removed")
        assert sw.ack(issued[0], "failed").ack is not None  # the last ack wins
        with pytest.raises(ShieldwallError) as info:
            sw.ack("act_00000000000000000000000000", "ignored")
        assert info.value.status == 404


def test_a_signed_webhook_verifies_with_the_endpoint_secret(
    live: Live, scripted: ScriptedServer
) -> None:
    scripted.script = [Reply(204)]
    added = live.sw("webhook", "add", scripted.url + "/hooks/shieldwall")
    assert added.code == 0, added.err
    secret = added.out.strip().splitlines()[-1].split()[-1]
    worker = subprocess.Popen(
        [sys.executable, "-m", "shieldwall.cli", "worker", "--interval", "0.2"],
        env=live.sw.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        action_id = live.issue_action("remove_media", "m1")
        deadline = time.monotonic() + 30
        while not scripted.seen:
            assert time.monotonic() < deadline, "no webhook delivery within 30 s"
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    delivery = scripted.seen[0]
    assert delivery.method == "POST"
    assert delivery.path == "/hooks/shieldwall"
    action = verify_webhook(delivery.body, delivery.headers, secret)
    assert action.id == action_id
    assert (action.kind, action.subject.type, action.subject.id) == ("remove_media", "media", "m1")
    with pytest.raises(WebhookSignatureError):
        verify_webhook(delivery.body, delivery.headers, "whsec_wrong")
    with pytest.raises(WebhookSignatureError):
        verify_webhook(delivery.body + b" ", delivery.headers, secret)
