import pytest
from django.db import connection, transaction

from shieldwall.core import audit
from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _record_three(actor: Actor) -> list[AuditEvent]:
    events = []
    for n in range(3):
        with transaction.atomic():
            events.append(
                audit.record(
                    actor=actor,
                    action="test.thing",
                    subject_type="thing",
                    subject_id=n,
                    data={"n": n, "text": "ünïcode"},
                )
            )
    return events


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # An attacker with the database's owner rights can switch the trigger off;
            # the hash chain must still reveal what they did.
            cur.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")


def test_chain_links_each_event_to_the_one_before(actor: Actor) -> None:
    first, second, third = _record_three(actor)
    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert audit.verify() == audit.Verification(True, 3)


def test_edited_row_is_detected(actor: Actor) -> None:
    events = _record_three(actor)
    _raw("UPDATE core_auditevent SET data = %s WHERE seq = %s", ['{"n": 99}', events[1].seq])
    result = audit.verify()
    assert not result.ok
    assert result.seq == events[1].seq
    assert "altered" in result.problem


def test_deleted_row_is_detected(actor: Actor) -> None:
    events = _record_three(actor)
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [events[1].seq])
    result = audit.verify()
    assert not result.ok
    assert "missing" in result.problem


def test_deleted_tail_is_detected(actor: Actor) -> None:
    events = _record_three(actor)
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [events[2].seq])
    result = audit.verify()
    assert not result.ok
    assert "removed from the end" in result.problem


def test_orm_refuses_changes(actor: Actor) -> None:
    event = _record_three(actor)[0]
    event.action = "other"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused(actor: Actor) -> None:
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        audit.record(actor=actor, action="x")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL only")
def test_postgres_refuses_update_in_the_database(actor: Actor) -> None:
    from django.db import DatabaseError

    events = _record_three(actor)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE core_auditevent SET action = 'x' WHERE seq = %s", [events[0].seq])


def test_audit_written_in_the_same_transaction_as_the_change(actor: Actor) -> None:
    from shieldwall.banks.services import create_bank

    def create_then_fail() -> None:
        with transaction.atomic():
            create_bank(name="rolled-back", actor=actor)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        create_then_fail()
    assert not AuditEvent.objects.filter(action="bank.create").exists()
    create_bank(name="kept", actor=actor)
    assert AuditEvent.objects.filter(action="bank.create", data__name="kept").count() == 1
