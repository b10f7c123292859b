"""The append-only, keyed hash-chained audit log: record inside the change's transaction.

`shieldwall.core.audit_verify` checks the chain later, against checkpoints kept outside the
database.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from enum import StrEnum
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shieldwall.core.actors import Actor
from shieldwall.core.audit_seal import GENESIS, event_body, event_digest, head_seal, matches
from shieldwall.core.models import AuditEvent, AuditHead

__all__ = ["GENESIS", "AuditTampered", "EventType", "event_types", "head_problem", "record"]


class EventType(StrEnum):
    """The base of every audit event type. Each app declares its own in `<app>/events.py`
    (``class BankEvent(EventType): CREATED = "bank.created"``), so the names an auditor
    filters on and a transparency count groups by are typed, and found in one place.

    A stored name is the audit chain's and every auditor's filter: it never changes. A new
    name is a new member, never an edit of an old one."""


@cache
def event_types() -> dict[str, EventType]:
    """Every event type the installed apps declare, by stored name; two apps declaring the
    same name is a mistake found at the first call, not in an auditor's count."""
    from django.conf import settings

    for app in settings.INSTALLED_APPS:
        if app.startswith("shieldwall.") and importlib.util.find_spec(f"{app}.events"):
            importlib.import_module(f"{app}.events")
    found: dict[str, EventType] = {}
    for family in EventType.__subclasses__():
        for member in family:
            if member.value in found and found[member.value] is not member:
                raise LookupError(f"audit event {member.value!r} is declared twice")
            found[member.value] = member
    return found


class AuditTampered(RuntimeError):
    """The chain's head is missing or not sealed by this key: nothing is appended until then."""


MISSING_HEAD = "The audit head is missing although events exist; run `shieldwall audit verify`."
FOREIGN_SEAL = (
    "The audit head is not sealed by this SHIELDWALL_AUDIT_KEY (a different key, or the head "
    "was changed); run `shieldwall audit verify`. Every process of one deployment needs the "
    "same key."
)


def _sealed_by(head: AuditHead, key: str) -> bool:
    expected = head_seal(
        key, last_seq=head.last_seq, last_hash=head.last_hash, keyed_from=head.keyed_from
    )
    return matches(expected, head.seal)


def head_problem() -> str:
    """Why appending to the log would be refused (its head missing, or sealed by another
    key), or "" when all is well: processes check it at start and refuse to run on it."""
    head = AuditHead.objects.filter(id=1).first()
    if head is None:
        return MISSING_HEAD if AuditEvent.objects.exists() else ""
    return "" if _sealed_by(head, settings.SHIELDWALL.audit_key) else FOREIGN_SEAL


def _locked_head(key: str) -> AuditHead:
    head, created = AuditHead.objects.select_for_update().get_or_create(
        id=1,
        defaults={
            "last_seq": 0,
            "last_hash": GENESIS,
            "keyed_from": 1,
            "seal": head_seal(key, last_seq=0, last_hash=GENESIS, keyed_from=1),
        },
    )
    if created and AuditEvent.objects.exists():
        raise AuditTampered(MISSING_HEAD)
    if not _sealed_by(head, key):
        # Appending would re-seal a rewound or forged head and launder the tampering.
        raise AuditTampered(FOREIGN_SEAL)
    return head


def record(
    *,
    actor: Actor,
    action: EventType,
    subject_type: str = "",
    subject_id: str | int = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; must run inside the transaction of the change it records."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit.record must be called inside transaction.atomic")
    key: str = settings.SHIELDWALL.audit_key
    head = _locked_head(key)
    # Round-trip through JSON so the hash covers exactly what the database will return.
    payload = json.loads(json.dumps(data or {}, default=str))
    seq = head.last_seq + 1
    fields: dict[str, Any] = {
        "seq": seq,
        "created_at": timezone.now(),
        "actor": actor.label,
        "action": str(action),
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "data": payload,
        "prev_hash": head.last_hash,
    }
    digest = event_digest(event_body(**fields), key=key if seq >= head.keyed_from else None)
    event = AuditEvent.objects.create(**fields, hash=digest)
    head.last_seq, head.last_hash = seq, digest
    head.seal = head_seal(key, last_seq=seq, last_hash=digest, keyed_from=head.keyed_from)
    head.save(update_fields=["last_seq", "last_hash", "seal"])
    return event
