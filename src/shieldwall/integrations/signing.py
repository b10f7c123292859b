"""Webhook signatures as the contract defines them (docs/integration.md, "Signed webhooks").

`Shieldwall-Signature: v1=HEX[,v1=HEX]`, HEX = HMAC-SHA256 keyed with the endpoint secret
(its UTF-8 bytes, prefix included) over `f"{timestamp}.".encode() + body`. No Django here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

SCHEME = "v1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"{timestamp}.{body}"` keyed with the secret."""
    message = f"{int(timestamp)}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """`v1=HEX` per secret, comma-separated, newest secret first."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    return ",".join(f"{SCHEME}={sign(s, timestamp, body)}" for s in secrets)


def webhook_headers(
    *, action_id: str, body: bytes, secrets: Sequence[str], timestamp: int
) -> dict[str, str]:
    """Every header one delivery attempt carries."""
    return {
        "Content-Type": "application/json",
        "Shieldwall-Action-Id": action_id,
        "Shieldwall-Timestamp": str(int(timestamp)),
        "Shieldwall-Signature": signature_header(secrets, timestamp, body),
    }
