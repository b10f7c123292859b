"""Checking (and, for tests, making) the signature of an action webhook.

Shieldwall signs each delivery attempt: `Shieldwall-Timestamp: <unix seconds>` and
`Shieldwall-Signature: v1=<hex HMAC-SHA256 of "{timestamp}." + body>`, with several
comma-separated `v1=` values while a secret is rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from datetime import datetime

from shieldwall_client.errors import WebhookSignatureError
from shieldwall_client.models import Action

TIMESTAMP_HEADER = "shieldwall-timestamp"
SIGNATURE_HEADER = "shieldwall-signature"
ACTION_ID_HEADER = "shieldwall-action-id"


def _digest(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_webhook(body: bytes, secret: str, timestamp: int) -> str:
    """The `Shieldwall-Signature` value for a body signed at `timestamp` (for tests)."""
    return "v1=" + _digest(secret, str(timestamp), body)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def verify_webhook(
    body: bytes | bytearray,
    headers: Mapping[str, str],
    secret: str | Sequence[str],
    *,
    tolerance_seconds: float = 300,
    now: float | datetime | None = None,
) -> Action:
    """The action in a webhook delivery, once its signature and timestamp are checked.

    `body` must be the exact bytes received; `headers` may use any case (Django's
    `request.headers`, a plain dict, ...). `secret` may be several secrets (during a
    rotation on the receiving side). Raises `WebhookSignatureError` with the reason.
    """
    if not isinstance(body, bytes | bytearray):
        raise TypeError("body must be the raw bytes received, not decoded text or JSON")
    raw = bytes(body)
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets or not all(isinstance(s, str) and s for s in secrets):
        raise ValueError("give the endpoint's secret (a non-empty string or strings)")

    timestamp = _header(headers, TIMESTAMP_HEADER)
    if timestamp is None:
        raise WebhookSignatureError("missing Shieldwall-Timestamp header")
    timestamp = timestamp.strip()
    if not timestamp.isascii() or not timestamp.isdigit():
        raise WebhookSignatureError("Shieldwall-Timestamp is not a Unix time in seconds")
    signature = _header(headers, SIGNATURE_HEADER)
    if signature is None:
        raise WebhookSignatureError("missing Shieldwall-Signature header")
    candidates = [
        part.strip()[3:].strip().encode("utf-8", "replace")
        for part in signature.split(",")
        if part.strip().startswith("v1=")
    ]
    if not candidates:
        raise WebhookSignatureError("Shieldwall-Signature holds no v1= signature")

    expected = [_digest(s, timestamp, raw).encode("ascii") for s in secrets]
    if not any(hmac.compare_digest(e, c) for e in expected for c in candidates):
        raise WebhookSignatureError("signature does not match the body and secret")

    if now is None:
        now_seconds = time.time()
    elif isinstance(now, datetime):
        now_seconds = now.timestamp()
    else:
        now_seconds = float(now)
    age = now_seconds - int(timestamp)
    if age > tolerance_seconds:
        raise WebhookSignatureError(
            f"timestamp is {int(age)} s old, more than the {tolerance_seconds:g} s allowed"
        )
    if -age > tolerance_seconds:
        raise WebhookSignatureError(
            f"timestamp is {int(-age)} s in the future, more than the {tolerance_seconds:g} s "
            "allowed (check the clocks)"
        )

    try:
        action = Action.from_json(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WebhookSignatureError(f"signed body is not an action: {exc}") from None
    action_id = _header(headers, ACTION_ID_HEADER)
    if action_id is not None and action_id.strip() != action.id:
        raise WebhookSignatureError("Shieldwall-Action-Id does not match the body's id")
    return action
