"""Check the audit chain, and keep signed checkpoints of its head outside the database.

The chain alone cannot show that its newest events, or all of them, were deleted together
with the head: a checkpoint file (under the home, or SHIELDWALL_AUDIT_CHECKPOINT), written by
the worker and signed with the audit key, remembers how far the log had grown.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from shieldwall.core.audit_seal import (
    GENESIS,
    checkpoint_mac,
    event_body,
    event_digest,
    head_seal,
    matches,
)
from shieldwall.core.models import AuditEvent, AuditHead


@dataclass(frozen=True)
class Verification:
    """The outcome of checking the chain: how far it holds and, if not, where and why."""

    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None
    keyed_from: int = 1
    checkpoint_seq: int | None = None


@dataclass(frozen=True)
class Checkpoint:
    """How far the chain had grown when last checked: its head's seq and hash, signed."""

    seq: int
    hash: str
    keyed_from: int
    written_at: str


class CheckpointError(Exception):
    """The checkpoint file exists but is unreadable or not signed by the audit key."""


def _key() -> str:
    return str(settings.SHIELDWALL.audit_key)


def _path(path: Path | None) -> Path:
    return Path(settings.SHIELDWALL.audit_checkpoint) if path is None else path


def read_checkpoint(*, path: Path | None = None) -> Checkpoint | None:
    """The last checkpoint, None if none was written yet; CheckpointError if it is forged."""
    p = _path(path)
    try:
        raw = json.loads(p.read_text())
        cp = Checkpoint(
            seq=int(raw["seq"]),
            hash=str(raw["hash"]),
            keyed_from=int(raw["keyed_from"]),
            written_at=str(raw["written_at"]),
        )
        mac = str(raw["mac"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise CheckpointError(f"the checkpoint {p} cannot be read ({exc})") from None
    expected = checkpoint_mac(
        _key(), seq=cp.seq, hash=cp.hash, keyed_from=cp.keyed_from, written_at=cp.written_at
    )
    if not matches(expected, mac):
        raise CheckpointError(f"the checkpoint {p} is not signed by this audit key")
    return cp


def _write_checkpoint(cp: Checkpoint, path: Path) -> None:
    mac = checkpoint_mac(
        _key(), seq=cp.seq, hash=cp.hash, keyed_from=cp.keyed_from, written_at=cp.written_at
    )
    body = json.dumps({**cp.__dict__, "mac": mac}, indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)  # a reader sees the old checkpoint or the new one, never half


def _walk(
    *, after: int, prev_hash: str, keyed_from: int, batch_size: int, upto: int | None = None
) -> tuple[Verification | None, int, int, str]:
    """Recompute events after `after` in order: (problem or None, checked, last seq, hash)."""
    key = _key()
    expected_seq, checked, last = after + 1, 0, after
    rows = AuditEvent.objects.all() if upto is None else AuditEvent.objects.filter(seq__lte=upto)
    while True:
        events = list(rows.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not events:
            return None, checked, expected_seq - 1, prev_hash
        for e in events:
            if e.seq != expected_seq:
                return (
                    _bad(checked, f"event #{expected_seq} is missing (next is #{e.seq})", e.seq),
                    checked,
                    expected_seq - 1,
                    prev_hash,
                )
            if e.prev_hash != prev_hash:
                return (
                    _bad(checked, f"event #{e.seq} does not link to the event before it", e.seq),
                    checked,
                    e.seq,
                    prev_hash,
                )
            body = event_body(
                seq=e.seq,
                created_at=e.created_at,
                actor=e.actor,
                action=e.action,
                subject_type=e.subject_type,
                subject_id=e.subject_id,
                data=e.data,
                prev_hash=e.prev_hash,
            )
            keyed = e.seq >= keyed_from
            if not matches(event_digest(body, key=key if keyed else None), e.hash):
                how = "its keyed hash does not match" if keyed else "its hash does not match"
                return (
                    _bad(checked, f"event #{e.seq} was altered ({how})", e.seq),
                    checked,
                    e.seq,
                    prev_hash,
                )
            prev_hash, expected_seq = e.hash, e.seq + 1
            checked += 1
        last = events[-1].seq


def _bad(checked: int, problem: str, seq: int | None) -> Verification:
    return Verification(False, checked, problem, seq)


def _head_problem(head: AuditHead | None, cp: Checkpoint | None) -> str:
    if head is None:
        if AuditEvent.objects.exists():
            return "the head record is missing although events exist: it was deleted"
        if cp is not None and cp.seq > 0:
            return (
                f"the log and its head are gone, but the checkpoint written outside the "
                f"database at {cp.written_at} saw #{cp.seq}: the log was emptied"
            )
        return ""
    expected = head_seal(
        _key(), last_seq=head.last_seq, last_hash=head.last_hash, keyed_from=head.keyed_from
    )
    if not matches(expected, head.seal):
        return (
            f"the head record (#{head.last_seq}) was altered: its seal does not match the "
            "audit key (a rewound head, or a different SHIELDWALL_AUDIT_KEY)"
        )
    return ""


def _checkpoint_problem(head: AuditHead, cp: Checkpoint) -> str:
    if cp.keyed_from != head.keyed_from:
        return (
            f"the head says keyed events start at #{head.keyed_from} but the checkpoint says "
            f"#{cp.keyed_from}"
        )
    if head.last_seq < cp.seq:
        return (
            f"the log ends at #{head.last_seq} but the checkpoint written outside the database "
            f"at {cp.written_at} saw #{cp.seq}: events were removed and the head rewound"
        )
    if cp.seq > 0:
        at = AuditEvent.objects.filter(seq=cp.seq).values_list("hash", flat=True).first()
        if at is None or not matches(cp.hash, at):
            return (
                f"event #{cp.seq} differs from the checkpoint written outside the database: "
                "the chain was rewritten"
            )
    return ""


def _beyond_head() -> str:
    # An event and its head move in one transaction, so the head read after the newest event
    # is at least as far; an event beyond it was written around `audit.record`.
    newest = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    head_seq = AuditHead.objects.filter(id=1).values_list("last_seq", flat=True).first()
    if newest is not None and head_seq is not None and newest > head_seq:
        return f"event #{newest} lies beyond the head (#{head_seq}): it was added outside the log"
    return ""


def _end_problem(head: AuditHead, last_seq: int, last_hash: str) -> str:
    if last_seq < head.last_seq:
        return (
            f"the chain ends at #{last_seq} but the head says #{head.last_seq}: "
            "events were removed from the end"
        )
    if not matches(head.last_hash, last_hash):
        return f"the head does not point at event #{last_seq}: the chain was rewritten"
    return ""


def verify(*, checkpoint: Path | None = None, batch_size: int = 5000) -> Verification:
    """Check the head's seal, every event's hash and link, and the outside checkpoint."""
    try:
        cp = read_checkpoint(path=checkpoint)
    except CheckpointError as exc:
        return _bad(0, str(exc), None)
    head = AuditHead.objects.filter(id=1).first()
    if problem := _head_problem(head, cp):
        return _bad(0, problem, None)
    if head is None:
        return Verification(True, 0)
    # Up to the head as read: the service may append while this runs.
    bad, checked, last_seq, last_hash = _walk(
        after=0,
        prev_hash=GENESIS,
        keyed_from=head.keyed_from,
        batch_size=batch_size,
        upto=head.last_seq,
    )
    if bad is not None:
        return bad
    if problem := _beyond_head():
        return _bad(checked, problem, None)
    if checked == 0 and head.last_seq > 0:
        return _bad(
            0, f"the log holds no events but its head says #{head.last_seq}: all were deleted", 1
        )
    if problem := _end_problem(head, last_seq, last_hash):
        return _bad(checked, problem, last_seq + 1)
    if cp is not None and (problem := _checkpoint_problem(head, cp)):
        return _bad(checked, problem, cp.seq)
    return Verification(
        True, checked, keyed_from=head.keyed_from, checkpoint_seq=None if cp is None else cp.seq
    )


def advance_checkpoint(*, path: Path | None = None, batch_size: int = 5000) -> Verification:
    """Check the events added since the last checkpoint and, if they hold, move it to the head."""
    p = _path(path)
    try:
        cp = read_checkpoint(path=p)
    except CheckpointError as exc:
        return _bad(0, str(exc), None)
    head = AuditHead.objects.filter(id=1).first()
    if problem := _head_problem(head, cp):
        return _bad(0, problem, None)
    if head is None:
        return Verification(True, 0)
    if cp is not None and (problem := _checkpoint_problem(head, cp)):
        return _bad(0, problem, cp.seq)
    # Events before the checkpoint are not re-hashed each round (verify does that), but a
    # deletion among them shows in their count, which the primary key answers cheaply.
    if cp is not None and (held := AuditEvent.objects.filter(seq__lte=cp.seq).count()) != cp.seq:
        return _bad(
            0, f"{cp.seq - held} events up to the checkpoint at #{cp.seq} are missing", cp.seq
        )
    after, prev = (0, GENESIS) if cp is None else (cp.seq, cp.hash)
    # Up to the head as read: events committed after it are checked next time.
    bad, checked, last_seq, last_hash = _walk(
        after=after,
        prev_hash=prev,
        keyed_from=head.keyed_from,
        batch_size=batch_size,
        upto=head.last_seq,
    )
    if bad is not None:
        return bad
    if problem := _end_problem(head, last_seq, last_hash):
        return _bad(checked, problem, last_seq + 1)
    new = Checkpoint(
        seq=head.last_seq,
        hash=head.last_hash,
        keyed_from=head.keyed_from,
        written_at=timezone.now().isoformat(timespec="seconds"),
    )
    if cp is None or new.seq != cp.seq:
        _write_checkpoint(new, p)
    return Verification(True, checked, keyed_from=head.keyed_from, checkpoint_seq=new.seq)
