"""The client over real sockets: requests it sends, errors it maps, and when it retries."""

from __future__ import annotations

import io
from typing import Any

import pytest

from shieldwall_client import (
    Client,
    ShieldwallError,
    ShieldwallUnavailable,
    events,
)
from tests.client.live import free_port
from tests.client.scripted import DROP, Reply, ScriptedServer, Seen, error

SCAN_OK: dict[str, Any] = {"verdict": "allow", "matches": [], "hashes": None}
BANK: dict[str, Any] = {
    "name": "known",
    "kind": "custom",
    "action": "block",
    "pdq_threshold": 31,
    "video_query_pct": 80.0,
    "video_bank_pct": 80.0,
    "enabled": True,
    "version": 1,
    "entry_counts": {"pdq": 2},
    "created_at": "2026-11-26T12:00:00Z",
    "updated_at": "2026-11-26T12:00:00.123456Z",
}


def client(server: ScriptedServer, **kwargs: Any) -> Client:
    return Client(server.url, api_key="sw_test", backoff=0.0, **kwargs)


def test_requests_carry_the_key_and_go_under_api_v1(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(200, [BANK])]
    for base in (scripted.url, scripted.url + "/", scripted.url + "/api/v1/"):
        with Client(base, api_key="sw_test") as sw:
            banks = sw.banks()
    assert [s.path for s in scripted.seen] == ["/api/v1/banks"] * 3
    assert scripted.seen[0].headers["Authorization"] == "Bearer sw_test"
    assert scripted.seen[0].headers["User-Agent"].startswith("shieldwall-client/")
    assert banks[0].name == "known"
    assert banks[0].entry_counts == {"pdq": 2}
    assert banks[0].updated_at.microsecond == 123456


def test_the_client_closes(scripted: ScriptedServer) -> None:
    with client(scripted) as sw:
        pass
    with pytest.raises(RuntimeError):
        sw.banks()
    with pytest.raises(ValueError, match="api_key"):
        Client(scripted.url, api_key="")


def test_scan_sends_multipart_media_and_ids(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(200, SCAN_OK)]
    with client(scripted) as sw:
        result = sw.scan(b"\xff\xd8jpeg", media_id="m1", post_id="p1", filename="a.jpg")
    seen = scripted.seen[0]
    assert (seen.method, seen.path) == ("POST", "/api/v1/scan")
    assert seen.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="media"; filename="a.jpg"' in seen.body
    assert b"\xff\xd8jpeg" in seen.body
    assert b'name="media_id"\r\n\r\nm1' in seen.body
    assert b'name="post_id"\r\n\r\np1' in seen.body
    assert b"account_id" not in seen.body  # not given, not sent
    assert result.verdict == "allow"
    assert not result.blocked
    assert not result.needs_review


def test_a_near_copy_match_names_its_original(scripted: ScriptedServer) -> None:
    match = {
        "bank": "platform-removed",
        "bank_kind": "platform_removed",
        "action": "block",
        "signal_type": "pdq",
        "entry_id": "41",
        "distance": 8,
        "variant_of": "7",
    }
    scripted.script = [Reply(200, {"verdict": "block", "matches": [match], "hashes": None})]
    with client(scripted) as sw:
        result = sw.scan(b"\xff\xd8jpeg", media_id="m1")
    assert result.blocked
    assert (result.matches[0].entry_id, result.matches[0].variant_of) == ("41", "7")


def test_lookup_and_ack_send_json(scripted: ScriptedServer) -> None:
    action = {
        "id": "act_1",
        "kind": "remove_post",
        "subject": {"type": "post", "id": "p1"},
        "reason": "r",
        "note": "",
        "created_at": "2026-11-26T12:00:01.000Z",
        "ack": {"status": "applied", "detail": "ok", "acked_at": "2026-11-26T12:00:02.000Z"},
    }
    scripted.script = [Reply(200, SCAN_OK), Reply(200, action)]
    with client(scripted) as sw:
        sw.lookup(md5="a" * 32, vpdq=[{"second": 0.0, "pdq": "f" * 64, "quality": 90}])
        acked = sw.ack("act/1", "applied", "ok")
        with pytest.raises(ValueError, match="applied, failed or ignored"):
            sw.ack("act_1", "done")  # type: ignore[arg-type]
    assert scripted.seen[0].json() == {
        "md5": "a" * 32,
        "vpdq": [{"second": 0.0, "pdq": "f" * 64, "quality": 90}],
    }
    assert scripted.seen[1].path == "/api/v1/actions/act%2F1/ack"
    assert scripted.seen[1].json() == {"status": "applied", "detail": "ok"}
    assert len(scripted.seen) == 2
    assert acked.ack is not None
    assert acked.ack.status == "applied"


def test_set_platform_puts_the_profile_and_reads_the_answer(scripted: ScriptedServer) -> None:
    profile = {
        "hosts": ["tidepool.example"],
        "links": {"post": ["/p/{id}"], "account": ["/@{handle}"]},
        "media_hosts": ["tidepool.example"],
        "updated_at": "2026-11-26T12:00:00.000Z",
        "updated_by": "apikey:tidepool",
        "changed": True,
        "something_newer": 1,
    }
    scripted.script = [Reply(503, b""), Reply(200, profile), Reply(200, profile)]
    with client(scripted) as sw:
        answer = sw.set_platform(
            hosts=["tidepool.example"],
            links={"post": ("/p/{id}",), "account": ["/@{handle}"]},
            media_hosts=["tidepool.example"],
        )
        again = sw.platform()
    assert [(s.method, s.path) for s in scripted.seen] == [
        ("PUT", "/api/v1/platform"),
        ("PUT", "/api/v1/platform"),  # safe to repeat: retried after the 503
        ("GET", "/api/v1/platform"),
    ]
    assert scripted.seen[0].json() == {
        "hosts": ["tidepool.example"],
        "links": {"post": ["/p/{id}"], "account": ["/@{handle}"]},
        "media_hosts": ["tidepool.example"],
    }
    assert answer.changed
    assert answer.links["account"] == ["/@{handle}"]
    assert answer.updated_at is not None
    assert again == answer


def test_actions_pass_the_cursor(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(200, {"actions": [], "next": "7"})]
    with client(scripted) as sw:
        first = sw.actions()
        sw.actions(after=first.next, limit=5)
    assert scripted.seen[0].path == "/api/v1/actions?limit=100"
    assert scripted.seen[1].path == "/api/v1/actions?limit=5&after=7"
    assert first.actions == []
    assert first.next == "7"


def test_a_json_error_becomes_shieldwall_error(scripted: ScriptedServer) -> None:
    scripted.script = [
        error(422, "invalid_request", "pdq: String should match pattern", "pdq"),
        error(401, "unauthorized", "A valid API key is required."),
    ]
    with client(scripted) as sw:
        with pytest.raises(ShieldwallError) as info:
            sw.lookup(pdq="zz")
        assert (info.value.status, info.value.code, info.value.field) == (
            422,
            "invalid_request",
            "pdq",
        )
        assert info.value.message == "pdq: String should match pattern"
        assert (
            str(info.value) == "422 invalid_request: pdq: String should match pattern (field pdq)"
        )
        with pytest.raises(ShieldwallError) as info:
            sw.banks()
    assert not isinstance(info.value, ShieldwallUnavailable)
    assert (info.value.status, info.value.code, info.value.field) == (401, "unauthorized", None)
    assert len(scripted.seen) == 2  # 4xx answers are never retried


@pytest.mark.parametrize(
    ("reply", "code", "message"),
    [
        (Reply(500, "<html><body>Server Error</body></html>"), "http_500", "Internal Server Error"),
        (Reply(404, {"detail": "Not Found"}), "http_404", "Not Found"),
        (Reply(418, "short and plain"), "http_418", "short and plain"),
        (Reply(400, {"error": "a string"}), "http_400", "a string"),
    ],
)
def test_an_error_that_is_not_json_gets_a_fallback(
    scripted: ScriptedServer, reply: Reply, code: str, message: str
) -> None:
    scripted.script = [reply]
    with client(scripted) as sw, pytest.raises(ShieldwallError) as info:
        sw.banks()
    assert (info.value.status, info.value.code) == (reply.status, code)
    assert message in info.value.message


def test_an_unexpected_success_body_is_bad_response(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(200, "not json"), Reply(200, {"verdict": "allow", "matches": [{}]})]
    with client(scripted) as sw:
        for _ in range(2):
            with pytest.raises(ShieldwallError) as info:
                sw.lookup(md5="a" * 32)
            assert (info.value.status, info.value.code) == (200, "bad_response")


def test_idempotent_calls_retry_on_502_503_504(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(502), Reply(503, headers={"Retry-After": "0"}), Reply(200, [BANK])]
    with client(scripted, retries=2) as sw:
        assert sw.banks()[0].name == "known"
    assert len(scripted.seen) == 3


def test_after_the_last_retry_a_503_is_unavailable(scripted: ScriptedServer) -> None:
    scripted.script = [error(503, "busy", "Try again later.")]
    with client(scripted, retries=2) as sw, pytest.raises(ShieldwallUnavailable) as info:
        sw.lookup(md5="a" * 32)
    assert (info.value.status, info.value.code) == (503, "busy")
    assert isinstance(info.value, ShieldwallError)
    assert len(scripted.seen) == 3
    scripted.seen.clear()
    scripted.script = [Reply(504, "<html>Gateway Timeout</html>")]
    with client(scripted, retries=0) as sw, pytest.raises(ShieldwallUnavailable) as info:
        sw.actions()
    assert (info.value.status, info.value.code) == (504, "unavailable")
    assert len(scripted.seen) == 1


def test_non_idempotent_calls_do_not_retry_an_answer(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(503), Reply(201, BANK)]
    with client(scripted, retries=2) as sw, pytest.raises(ShieldwallUnavailable):
        sw.create_bank("known", action="block")
    assert len(scripted.seen) == 1


def test_scan_retries_a_dropped_connection_and_resends_the_whole_file(
    scripted: ScriptedServer,
) -> None:
    scripted.script = [DROP, DROP, Reply(200, SCAN_OK)]
    content = b"head-" + b"x" * 100_000 + b"-tail"
    media = io.BytesIO(content)
    media.read(5)  # the whole file is sent, wherever it stands
    with client(scripted, retries=2) as sw:
        assert sw.scan(media, media_id="m1").verdict == "allow"
    assert len(scripted.seen) == 3
    assert all(content in s.body for s in scripted.seen)


def test_a_dropped_connection_is_not_retried_for_a_non_idempotent_call(
    scripted: ScriptedServer,
) -> None:
    scripted.script = [DROP, Reply(201, BANK)]
    with client(scripted, retries=2) as sw, pytest.raises(ShieldwallUnavailable) as info:
        sw.create_bank("known")
    assert len(scripted.seen) == 1
    assert info.value.status == 0
    assert info.value.code == "connection_failed"
    assert "may or may not have been applied" in info.value.message


def test_timeouts_are_retried_then_unavailable(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(200, SCAN_OK, delay=0.5)]
    with (
        client(scripted, retries=1, timeout=0.1) as sw,
        pytest.raises(ShieldwallUnavailable) as info,
    ):
        sw.lookup(md5="a" * 32)
    assert info.value.code == "timeout"
    assert "after 2 attempts" in info.value.message
    assert len(scripted.seen) == 2


def test_a_refused_connection_is_retried_for_every_call_then_unavailable() -> None:
    with Client(f"http://127.0.0.1:{free_port()}", api_key="k", backoff=0.0, retries=2) as sw:
        with pytest.raises(ShieldwallUnavailable) as info:
            sw.create_bank("known")  # never reached the server: safe to retry
        assert info.value.code == "connection_failed"
        assert "after 3 attempts" in info.value.message
        assert "may or may not" not in info.value.message
        with pytest.raises(ShieldwallUnavailable):
            sw.scan(b"media")


def test_send_events_splits_into_batches_of_1000(scripted: ScriptedServer) -> None:
    def accept(seen: Seen) -> Reply:
        batch = seen.json()["events"]
        results = [{"id": e["id"], "status": "accepted"} for e in batch]
        return Reply(200, {"accepted": len(batch), "duplicates": 0, "results": results})

    scripted.script = [accept]
    sent = [events.post_metrics(f"p{i}", views=i, reshares=0) for i in range(2500)]
    with client(scripted) as sw:
        result = sw.send_events(sent)
        assert sw.send_events([]).accepted == 0
    assert [len(s.json()["events"]) for s in scripted.seen] == [1000, 1000, 500]
    assert result.accepted == 2500
    assert [r.id for r in result.results] == [e.id for e in sent]
    assert scripted.seen[0].json()["events"][0] == sent[0].to_json()


def test_an_error_in_a_later_batch_names_the_event_from_the_start(
    scripted: ScriptedServer,
) -> None:
    ok = Reply(200, {"accepted": 1000, "duplicates": 0, "results": []})
    bad = error(
        422, "invalid_request", "events.3.data.post_id: Field required", "events.3.data.post_id"
    )
    scripted.script = [ok, bad]
    with client(scripted) as sw, pytest.raises(ShieldwallError) as info:
        sw.send_events([events.post_deleted(f"p{i}") for i in range(1500)])
    assert info.value.field == "events.1003.data.post_id"
    assert info.value.message.startswith("events.1003.data.post_id: Field required")
    assert "first 1000 events were sent" in info.value.message


def test_events_may_be_plain_dicts(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(200, {"accepted": 1, "duplicates": 0, "results": []})]
    raw = {"id": "evt-1", "type": "post.deleted", "occurred_at": "2026-11-26T12:00:00Z", "data": {}}
    with client(scripted) as sw:
        sw.send_events([raw])
    assert scripted.seen[0].json() == {"events": [raw]}
