"""The audit chain: keyed, sealed at its head, checked against a checkpoint outside the DB."""

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as dj_settings
from django.db import DatabaseError, connection, transaction

from shieldwall.banks.events import BankEvent
from shieldwall.core import audit
from shieldwall.core.actors import Actor
from shieldwall.core.audit_seal import event_body, event_digest
from shieldwall.core.audit_verify import Verification, advance_checkpoint, verify
from shieldwall.core.models import AuditEvent, AuditHead
from tests.audit_support import GUARDS, audit_guards_lifted, tamper

pytestmark = pytest.mark.django_db


def _record(actor: Actor, n: int = 3) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit.record(
                    actor=actor,
                    action="test.thing",
                    subject_type="thing",
                    subject_id=i,
                    data={"n": i, "text": "ünïcode"},
                )
            )
    return events


def _body(e: AuditEvent, **changes: object) -> bytes:
    fields = {
        "seq": e.seq,
        "created_at": e.created_at,
        "actor": e.actor,
        "action": e.action,
        "subject_type": e.subject_type,
        "subject_id": e.subject_id,
        "data": e.data,
        "prev_hash": e.prev_hash,
        **changes,
    }
    return event_body(**fields)  # type: ignore[arg-type]


def _head() -> AuditHead:
    return AuditHead.objects.get(id=1)


def test_chain_links_each_event_and_is_keyed(actor: Actor) -> None:
    first, second, third = _record(actor)
    assert first.prev_hash == audit.GENESIS
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    # Keyed: the plain SHA-256 that anyone could recompute is not what is stored.
    assert first.hash != hashlib.sha256(_body(first)).hexdigest()
    assert verify() == Verification(True, 3, keyed_from=1)


def test_edited_row_is_detected(actor: Actor) -> None:
    events = _record(actor)
    tamper(("UPDATE core_auditevent SET data = %s WHERE seq = %s", ['{"n": 99}', events[1].seq]))
    result = verify()
    assert not result.ok
    assert result.seq == events[1].seq
    assert f"event #{events[1].seq} was altered" in result.problem


@pytest.mark.parametrize("guessed_key", [None, "an attacker's guess at the audit key!!"])
def test_edit_and_recompute_the_rest_of_the_chain_is_detected(
    actor: Actor, guessed_key: str | None
) -> None:
    events = _record(actor, 4)
    head = _head()
    prev = events[0].hash
    statements: list[tuple[str, list[object]]] = []
    for e in events[1:]:
        data = {"n": 99} if e.seq == events[1].seq else e.data
        digest = event_digest(_body(e, data=data, prev_hash=prev), key=guessed_key)
        statements.append(
            (
                "UPDATE core_auditevent SET data = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                [json.dumps(data), prev, digest, e.seq],
            )
        )
        prev = digest
    statements.append(("UPDATE core_audithead SET last_hash = %s WHERE id = 1", [prev]))
    tamper(*statements)
    assert head.last_seq == events[-1].seq
    result = verify()
    assert not result.ok
    assert result.problem.startswith("the head record")  # the head's seal no longer fits
    # Even with the old head's value kept, the first rewritten event gives itself away.
    tamper(("UPDATE core_audithead SET last_hash = %s WHERE id = 1", [head.last_hash]))
    result = verify()
    assert result.seq == events[1].seq
    assert "its keyed hash does not match" in result.problem


def test_truncated_tail_with_the_head_rewound_is_detected(actor: Actor) -> None:
    events = _record(actor)
    tamper(
        ("DELETE FROM core_auditevent WHERE seq = %s", [events[2].seq]),
        (
            "UPDATE core_audithead SET last_seq = %s, last_hash = %s WHERE id = 1",
            [events[1].seq, events[1].hash],
        ),
    )
    result = verify()
    assert not result.ok
    assert f"the head record (#{events[1].seq}) was altered" in result.problem


def test_replayed_old_head_is_caught_by_the_checkpoint(actor: Actor) -> None:
    events = _record(actor, 2)
    old_head = _head()  # an attacker who could read the database kept this sealed head
    events += _record(actor, 2)
    assert advance_checkpoint().checkpoint_seq == events[-1].seq
    tamper(
        ("DELETE FROM core_auditevent WHERE seq > %s", [old_head.last_seq]),
        (
            "UPDATE core_audithead SET last_seq = %s, last_hash = %s, seal = %s WHERE id = 1",
            [old_head.last_seq, old_head.last_hash, old_head.seal],
        ),
    )
    result = verify()
    assert not result.ok
    assert f"the log ends at #{old_head.last_seq}" in result.problem
    assert f"saw #{events[-1].seq}: events were removed and the head rewound" in result.problem


def test_event_forged_beyond_the_head_is_detected(actor: Actor) -> None:
    events = _record(actor)
    last = events[-1]
    tamper(
        (
            "INSERT INTO core_auditevent (seq, created_at, actor, action, subject_type,"
            " subject_id, data, prev_hash, hash) VALUES (%s, %s, 'cli:x', 'forged', '', '',"
            " '{}', %s, %s)",
            [last.seq + 1, last.created_at, last.hash, "f" * 64],
        )
    )
    result = verify()
    assert not result.ok
    assert f"event #{last.seq + 1} lies beyond the head" in result.problem


def test_deleted_tail_is_detected(actor: Actor) -> None:
    events = _record(actor)
    tamper(("DELETE FROM core_auditevent WHERE seq = %s", [events[2].seq]))
    result = verify()
    assert not result.ok
    assert "removed from the end" in result.problem


def test_deleted_middle_row_is_detected(actor: Actor) -> None:
    events = _record(actor)
    tamper(("DELETE FROM core_auditevent WHERE seq = %s", [events[1].seq]))
    result = verify()
    assert not result.ok
    assert f"event #{events[1].seq} is missing" in result.problem


def test_deleted_head_is_detected(actor: Actor) -> None:
    _record(actor)
    tamper(("DELETE FROM core_audithead", []))
    result = verify()
    assert not result.ok
    assert "the head record is missing although events exist" in result.problem
    with pytest.raises(audit.AuditTampered), transaction.atomic():
        _record(actor, 1)


def test_every_event_deleted_is_detected(actor: Actor) -> None:
    events = _record(actor)
    tamper(("DELETE FROM core_auditevent", []))
    result = verify()
    assert not result.ok
    assert f"holds no events but its head says #{events[-1].seq}" in result.problem


def test_emptied_log_and_head_are_caught_by_the_checkpoint(actor: Actor) -> None:
    events = _record(actor)
    advance_checkpoint()
    tamper(("DELETE FROM core_auditevent", []), ("DELETE FROM core_audithead", []))
    result = verify()
    assert not result.ok
    assert f"saw #{events[-1].seq}: the log was emptied" in result.problem


def test_record_refuses_to_reseal_a_rewound_head(actor: Actor) -> None:
    events = _record(actor)
    tamper(
        ("DELETE FROM core_auditevent WHERE seq = %s", [events[2].seq]),
        (
            "UPDATE core_audithead SET last_seq = %s, last_hash = %s WHERE id = 1",
            [events[1].seq, events[1].hash],
        ),
    )
    with pytest.raises(audit.AuditTampered, match="not sealed"), transaction.atomic():
        _record(actor, 1)


def test_a_different_key_cannot_extend_or_verify_the_chain(actor: Actor, settings: object) -> None:
    _record(actor)
    settings.SHIELDWALL = dataclasses.replace(  # type: ignore[attr-defined]
        settings.SHIELDWALL,  # type: ignore[attr-defined]
        audit_key="k" * 40,
    )
    assert "does not match the audit key" in verify().problem
    with pytest.raises(audit.AuditTampered), transaction.atomic():
        _record(actor, 1)


def test_forged_checkpoint_file_is_refused(actor: Actor) -> None:
    _record(actor)
    advance_checkpoint()
    path = Path(dj_settings.SHIELDWALL.audit_checkpoint)
    raw = json.loads(path.read_text())
    path.write_text(json.dumps({**raw, "seq": 1}))
    result = verify()
    assert not result.ok
    assert "is not signed by this audit key" in result.problem


def test_checkpoint_follows_the_head_and_verify_compares_it(actor: Actor) -> None:
    assert advance_checkpoint().checkpoint_seq == 0  # a fresh log
    events = _record(actor, 2)
    assert advance_checkpoint() == Verification(
        True, 2, keyed_from=1, checkpoint_seq=events[-1].seq
    )
    more = _record(actor, 3)
    step = advance_checkpoint()
    assert (step.checked, step.checkpoint_seq) == (3, more[-1].seq)  # only the new events
    assert verify().checkpoint_seq == more[-1].seq


def test_chains_from_before_the_key_are_verified_as_unkeyed_and_not_rewritten(
    actor: Actor,
) -> None:
    # A chain recorded by an older Shieldwall: plain SHA-256 digests, an unsealed head.
    prev, rows = audit.GENESIS, []
    from django.utils import timezone

    for seq in (1, 2):
        e = AuditEvent(
            seq=seq, created_at=timezone.now(), actor="cli:old", action="old.thing", data={}
        )
        e.prev_hash = prev
        e.hash = prev = event_digest(_body(e), key=None)
        rows.append(e)
    with audit_guards_lifted():
        AuditHead.objects.all().delete()
        AuditEvent.objects.bulk_create(rows)
        AuditHead.objects.create(id=1, last_seq=2, last_hash=prev)
        GUARDS.seal_head(apps, None)  # what migration 0003 does to a deployed database
    assert _head().keyed_from == 3
    assert AuditEvent.objects.get(seq=1).hash == rows[0].hash  # history kept as it was
    new = _record(actor, 1)[0]
    assert new.seq == 3
    assert new.hash != hashlib.sha256(_body(new)).hexdigest()
    assert verify() == Verification(True, 3, keyed_from=3)
    # Rewriting the old, unkeyed part still breaks the link into the keyed part.
    forged = event_digest(_body(rows[1], data={"x": 1}), key=None)
    tamper(("UPDATE core_auditevent SET data = %s, hash = %s WHERE seq = 2", ['{"x": 1}', forged]))
    assert "event #3 does not link" in verify().problem


def test_orm_refuses_changes(actor: Actor) -> None:
    event = _record(actor)[0]
    event.action = "other"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused(actor: Actor) -> None:
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        audit.record(actor=actor, action="x")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("UPDATE core_auditevent SET action = 'x'", "append-only"),
        ("DELETE FROM core_auditevent", "append-only"),
        ("DELETE FROM core_audithead", "cannot be deleted"),
        ("UPDATE core_audithead SET last_seq = last_seq - 1", "only moves forward"),
        ("UPDATE core_audithead SET last_seq = last_seq + 5", "only moves forward"),
        ("UPDATE core_audithead SET keyed_from = 99", "only moves forward"),
        ("UPDATE core_audithead SET last_hash = 'f'", "only moves forward"),
    ],
)
def test_the_database_refuses_rewriting_the_log(actor: Actor, sql: str, message: str) -> None:
    _record(actor)
    with (
        pytest.raises(DatabaseError, match=message),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL")
@pytest.mark.parametrize("table", ["core_auditevent", "core_audithead"])
def test_postgres_refuses_truncate(actor: Actor, table: str) -> None:
    _record(actor)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(f"TRUNCATE {table} CASCADE")


def test_audit_written_in_the_same_transaction_as_the_change(actor: Actor) -> None:
    from shieldwall.banks.services import create_bank

    def create_then_fail() -> None:
        with transaction.atomic():
            create_bank(name="rolled-back", actor=actor)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        create_then_fail()
    assert not AuditEvent.objects.filter(action=BankEvent.CREATED).exists()
    create_bank(name="kept", actor=actor)
    assert AuditEvent.objects.filter(action=BankEvent.CREATED, data__name="kept").count() == 1
