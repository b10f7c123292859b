"""The audit chain's cryptography: event digests, the head's seal, checkpoint signatures.

Events from `keyed_from` on are HMAC-SHA256 under SHIELDWALL_AUDIT_KEY, a secret kept
outside the database, so whoever can write the database cannot recompute the chain. Events
recorded before the key existed keep their plain SHA-256 digests (history is not rewritten).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def event_body(
    *,
    seq: int,
    created_at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    data: Any,
    prev_hash: str,
) -> bytes:
    """The canonical bytes an event's digest covers."""
    return json.dumps(
        {
            "seq": seq,
            "created_at": created_at.isoformat(),
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "data": data,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode()


def event_digest(body: bytes, *, key: str | None) -> str:
    """HMAC-SHA256 of the body under the audit key, or plain SHA-256 for pre-key events."""
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def _mac(key: str, *parts: object) -> str:
    message = "\n".join(str(p) for p in parts).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def head_seal(key: str, *, last_seq: int, last_hash: str, keyed_from: int) -> str:
    """The seal that ties the head's position to the audit key."""
    return _mac(key, "shieldwall-audit-head", last_seq, last_hash, keyed_from)


def checkpoint_mac(key: str, *, seq: int, hash: str, keyed_from: int, written_at: str) -> str:
    """The signature of a checkpoint file."""
    return _mac(key, "shieldwall-audit-checkpoint", seq, hash, keyed_from, written_at)


def matches(expected: str, actual: str) -> bool:
    """Constant-time comparison of two hex digests."""
    return hmac.compare_digest(expected.encode(), actual.encode())
