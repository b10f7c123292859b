"""The append-only, hash-chained audit log: record inside the change's transaction, verify later."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _digest(
    *,
    seq: int,
    created_at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    data: Any,
    prev_hash: str,
) -> str:
    body = json.dumps(
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
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    *,
    actor: Actor,
    action: str,
    subject_type: str = "",
    subject_id: str | int = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; must run inside the transaction of the change it records."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit.record must be called inside transaction.atomic")
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    # Round-trip through JSON so the hash covers exactly what the database will return.
    payload = json.loads(json.dumps(data or {}, default=str))
    created_at = timezone.now()
    seq = head.last_seq + 1
    fields = {
        "seq": seq,
        "created_at": created_at,
        "actor": actor.label,
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "data": payload,
        "prev_hash": head.last_hash,
    }
    event = AuditEvent.objects.create(**fields, hash=_digest(**fields))
    head.last_seq, head.last_hash = seq, event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass(frozen=True)
class Verification:
    """The outcome of checking the chain: how far it holds and, if not, where and why."""

    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None


def verify(batch_size: int = 5000) -> Verification:
    """Recompute every event's hash in order; report the first edited, removed or added row."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    while True:
        events = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not events:
            break
        for e in events:
            if e.seq != expected_seq:
                return Verification(
                    False, checked, f"event #{expected_seq} is missing (next is #{e.seq})", e.seq
                )
            if e.prev_hash != expected_prev:
                return Verification(
                    False, checked, f"event #{e.seq} does not link to the event before it", e.seq
                )
            digest = _digest(
                seq=e.seq,
                created_at=e.created_at,
                actor=e.actor,
                action=e.action,
                subject_type=e.subject_type,
                subject_id=e.subject_id,
                data=e.data,
                prev_hash=e.prev_hash,
            )
            if digest != e.hash:
                return Verification(False, checked, f"event #{e.seq} was altered", e.seq)
            expected_prev, expected_seq = e.hash, e.seq + 1
            checked += 1
        last_seq = events[-1].seq
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        return Verification(
            False,
            checked,
            f"the chain ends at #{expected_seq - 1} but the head says #{head.last_seq}: "
            "events were removed from the end",
            expected_seq,
        )
    return Verification(True, checked)
