"""verify_webhook against vectors computed from the contract (docs/integration.md)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import httpx
import pytest

from shieldwall_client import Action, WebhookSignatureError, verify_webhook
from shieldwall_client.webhooks import sign_webhook

BODY = (
    b'{"id":"act_01JDTEST0000000000000000AB","kind":"remove_post",'
    b'"subject":{"type":"post","id":"p1"},"reason":"test_reason","note":"",'
    b'"created_at":"2026-11-26T12:00:01.000Z"}'
)
TS = 1795694401  # 2026-11-26T12:00:01Z
SECRET = "whsec_test_secret_1"
OTHER_SECRET = "whsec_test_secret_2"
# printf '%s' "1795694401.$BODY" | openssl dgst -sha256 -hmac whsec_test_secret_1 (and _2)
SIG = "1002580ca294604c3ee025187c5a33b9dfd2271118541e36aa16c6a413a01e48"
OTHER_SIG = "5a792236ac299c46096f9369a5b7108e0a26880971d945698a9b35da4c3f7c89"


def headers(signature: str = f"v1={SIG}", ts: int | str = TS) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Shieldwall-Action-Id": "act_01JDTEST0000000000000000AB",
        "Shieldwall-Timestamp": str(ts),
        "Shieldwall-Signature": signature,
    }


def reason(body: bytes, hdrs: dict[str, str], secret: str = SECRET, now: float = TS) -> str:
    with pytest.raises(WebhookSignatureError) as info:
        verify_webhook(body, hdrs, secret, now=now)
    return info.value.reason


def test_the_vectors_are_the_contracts_hmac() -> None:
    for secret, sig in ((SECRET, SIG), (OTHER_SECRET, OTHER_SIG)):
        digest = hmac.new(secret.encode(), f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
        assert digest == sig
        assert sign_webhook(BODY, secret, TS) == f"v1={sig}"


def test_a_valid_delivery_gives_the_action() -> None:
    action = verify_webhook(BODY, headers(), SECRET, now=TS + 10)
    assert isinstance(action, Action)
    assert action.id == "act_01JDTEST0000000000000000AB"
    assert action.kind == "remove_post"
    assert (action.subject.type, action.subject.id) == ("post", "p1")
    assert action.reason == "test_reason"
    assert action.created_at == datetime(2026, 11, 26, 12, 0, 1, tzinfo=UTC)
    assert action.ack is None


def test_a_tampered_body_is_refused() -> None:
    tampered = BODY.replace(b'"p1"', b'"p2"')
    assert "does not match" in reason(tampered, headers())
    assert "does not match" in reason(BODY + b" ", headers())


def test_a_wrong_secret_is_refused() -> None:
    assert "does not match" in reason(BODY, headers(), secret="whsec_wrong")


def test_a_signature_for_another_timestamp_is_refused() -> None:
    assert "does not match" in reason(BODY, headers(ts=TS + 1), now=TS)


def test_stale_and_future_timestamps_are_refused() -> None:
    assert verify_webhook(BODY, headers(), SECRET, now=TS + 300).id  # at the limit: accepted
    assert verify_webhook(BODY, headers(), SECRET, now=TS - 300).id
    stale = reason(BODY, headers(), now=TS + 301)
    assert "301 s old" in stale
    assert "300 s allowed" in stale
    assert "in the future" in reason(BODY, headers(), now=TS - 301)
    with pytest.raises(WebhookSignatureError, match="old"):
        verify_webhook(BODY, headers(), SECRET, tolerance_seconds=5, now=TS + 6)


def test_now_defaults_to_the_clock_and_accepts_a_datetime() -> None:
    assert "old" in reason(BODY, headers(), now=datetime.now(UTC).timestamp())
    with pytest.raises(WebhookSignatureError, match="old"):
        verify_webhook(BODY, headers(), SECRET)  # the vector was signed long before "now"
    moment = datetime.fromtimestamp(TS + 60, UTC)
    assert verify_webhook(BODY, headers(), SECRET, now=moment).kind == "remove_post"


@pytest.mark.parametrize(
    ("drop", "expected"),
    [
        ("Shieldwall-Timestamp", "missing Shieldwall-Timestamp"),
        ("Shieldwall-Signature", "missing Shieldwall-Signature"),
    ],
)
def test_missing_headers_are_refused(drop: str, expected: str) -> None:
    hdrs = headers()
    del hdrs[drop]
    assert expected in reason(BODY, hdrs)


@pytest.mark.parametrize(
    ("signature", "ts", "expected"),
    [
        ("", TS, "no v1= signature"),
        (f"v0={SIG}", TS, "no v1= signature"),
        (f"sha256={SIG}", TS, "no v1= signature"),
        ("v1=", TS, "does not match"),
        ("v1=é" + SIG[1:], TS, "does not match"),
        (f"v1={SIG.upper()}", TS, "does not match"),
        (f"v1={SIG}", "12.5", "not a Unix time"),
        (f"v1={SIG}", "-1795694401", "not a Unix time"),
        (f"v1={SIG}", "", "not a Unix time"),
    ],
)
def test_malformed_headers_are_refused(signature: str, ts: str | int, expected: str) -> None:
    assert expected in reason(BODY, headers(signature=signature, ts=ts))


def test_any_of_several_signatures_during_a_rotation() -> None:
    # The sender holds the new and the old secret and signs with both, newest first.
    rotating = f"v1={OTHER_SIG},v1={SIG}"
    assert verify_webhook(BODY, headers(rotating), SECRET, now=TS).id
    assert verify_webhook(BODY, headers(rotating), OTHER_SECRET, now=TS).id
    assert verify_webhook(BODY, headers(f"v1={OTHER_SIG}, v1={SIG}"), SECRET, now=TS).id
    assert "does not match" in reason(BODY, headers(rotating), secret="whsec_neither")


def test_the_receiver_may_hold_several_secrets() -> None:
    assert verify_webhook(BODY, headers(), [OTHER_SECRET, SECRET], now=TS).id
    assert verify_webhook(BODY, headers(), (SECRET,), now=TS).id
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_webhook(BODY, headers(), ["whsec_a", "whsec_b"], now=TS)
    with pytest.raises(ValueError, match="secret"):
        verify_webhook(BODY, headers(), [], now=TS)
    with pytest.raises(ValueError, match="secret"):
        verify_webhook(BODY, headers(), "", now=TS)


def test_header_names_are_case_insensitive() -> None:
    lower = {k.lower(): v for k, v in headers().items()}
    upper = {k.upper(): v for k, v in headers().items()}
    mixed = {"sHIELDWALL-tIMESTAMP": str(TS), "ShieldWall-Signature": f"v1={SIG}"}
    for hdrs in (lower, upper, mixed, httpx.Headers(headers())):
        assert verify_webhook(BODY, hdrs, SECRET, now=TS).id == "act_01JDTEST0000000000000000AB"


def test_the_action_id_header_must_name_the_body() -> None:
    hdrs = {**headers(), "Shieldwall-Action-Id": "act_other"}
    assert "Action-Id" in reason(BODY, hdrs)


def test_a_signed_body_that_is_not_an_action_is_refused() -> None:
    for body in (b"not json", b"[]", b'{"id": "act_x"}'):
        hdrs = {
            "Shieldwall-Timestamp": str(TS),
            "Shieldwall-Signature": sign_webhook(body, SECRET, TS),
        }
        assert "not an action" in reason(body, hdrs)


def test_the_body_must_be_the_raw_bytes() -> None:
    with pytest.raises(TypeError, match="raw bytes"):
        verify_webhook(BODY.decode(), headers(), SECRET, now=TS)  # type: ignore[arg-type]
    assert verify_webhook(bytearray(BODY), headers(), SECRET, now=TS).id
