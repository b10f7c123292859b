"""Signatures exactly as the contract spells them, pinned by test vectors."""

from __future__ import annotations

import pytest

from shieldwall.integrations.signing import sign, signature_header, webhook_headers

BODY = b'{"id":"act_01JD0000000000000000000000","kind":"remove_post"}'
TS = 1700000000
# HMAC-SHA256(key=secret UTF-8, msg=b"1700000000." + BODY), computed independently.
VECTOR = "3fa1abba9ed6f0fdfef7783cba083acfc5013fb0595cead34d0ae285715127af"
VECTOR_PREVIOUS = "7411ae3b6a17d94cdec16fca24ceb8fa38e47ede5d9d9c8a392b9048ebfa19e0"
VECTOR_EMPTY_BODY = "316b9ab98c15bfa039d243f3196acee619cf29749a91a634e6a8154e2f7b6727"


def test_sign_matches_the_vectors() -> None:
    assert sign("whsec_test_secret", TS, BODY) == VECTOR
    assert sign("whsec_previous", TS, BODY) == VECTOR_PREVIOUS
    assert sign("whsec_test_secret", TS, b"") == VECTOR_EMPTY_BODY


def test_header_lists_the_current_secret_first() -> None:
    assert signature_header(["whsec_test_secret"], TS, BODY) == f"v1={VECTOR}"
    assert (
        signature_header(["whsec_test_secret", "whsec_previous"], TS, BODY)
        == f"v1={VECTOR},v1={VECTOR_PREVIOUS}"
    )
    with pytest.raises(ValueError):
        signature_header([], TS, BODY)


def test_webhook_headers() -> None:
    headers = webhook_headers(
        action_id="act_01JD0000000000000000000000",
        body=BODY,
        secrets=["whsec_test_secret"],
        timestamp=TS,
    )
    assert headers == {
        "Content-Type": "application/json",
        "Shieldwall-Action-Id": "act_01JD0000000000000000000000",
        "Shieldwall-Timestamp": "1700000000",
        "Shieldwall-Signature": f"v1={VECTOR}",
    }


def test_any_change_breaks_the_signature() -> None:
    assert sign("whsec_test_secret", TS + 1, BODY) != VECTOR
    assert sign("whsec_test_secret", TS, BODY + b" ") != VECTOR
    assert sign("whsec_test_secret2", TS, BODY) != VECTOR
