"""A scan costs the same at any bank size: exact hashes through the index, no audit-chain write."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.photos import jpeg, photo

from shieldwall.banks import services as banks
from shieldwall.banks.kinds import BankAction
from shieldwall.banks.models import Bank, BankEntry, EntrySource, SignalType
from shieldwall.core.actors import Actor
from shieldwall.core.models import AuditEvent
from shieldwall.matching.services import QueryHashes, lookup_hashes, scan_bytes

pytestmark = pytest.mark.django_db

FILLER = 6000  # entries of each exact signal type beside the one that matches


def _fill(bank: Bank) -> None:
    """A bank holding every signal type, many more rows than any one lookup should read."""
    rows = []
    for n in range(FILLER):
        seed = f"filler-{n}".encode()
        rows += [
            BankEntry(bank=bank, signal_type=SignalType.MD5, value=hashlib.md5(seed).hexdigest()),
            BankEntry(
                bank=bank, signal_type=SignalType.SHA256, value=hashlib.sha256(seed).hexdigest()
            ),
            BankEntry(
                bank=bank,
                signal_type=SignalType.PDQ,
                value=hashlib.sha256(b"pdq" + seed).hexdigest(),
                quality=100,
            ),
        ]
    for row in rows:
        row.source = EntrySource.IMPORT
    BankEntry.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_exact_hashes_are_found_through_the_index_in_a_big_bank(actor: Actor) -> None:
    data = jpeg(photo("coffee"))
    bank = banks.create_bank(name="big", actor=actor, action=BankAction.BLOCK)
    _fill(bank)
    md5, sha256 = hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()
    banks.add_hashes(
        bank_name="big",
        rows=[banks.HashRow("md5", md5), banks.HashRow("sha256", sha256)],
        actor=actor,
    )
    with CaptureQueriesContext(connection) as ctx:
        verdict = lookup_hashes(q=QueryHashes(md5=md5, sha256=sha256), actor=actor)
    assert {(m.signal_type, m.distance) for m in verdict.matches} == {("md5", 0), ("sha256", 0)}
    lookups = [q["sql"] for q in ctx.captured_queries if "banks_bankentry" in q["sql"]]
    exact = [sql for sql in lookups if md5 in sql]
    assert len(exact) == 1, lookups
    plan = _plan(exact[0])
    assert "bank_entry_exact_lookup" in plan, plan
    if connection.vendor == "postgresql":
        assert "Seq Scan on banks_bankentry" not in plan, plan
        conds = [line for line in plan.splitlines() if "Index Cond" in line]
        assert conds, plan
        assert all("signal_type" in c and "value" in c for c in conds), plan
    else:
        assert "SCAN banks_bankentry" not in plan, plan
        assert "(signal_type=? AND value=?)" in plan, plan


def test_a_scan_writes_nothing_on_the_audit_chain(actor: Actor) -> None:
    data = jpeg(photo("chelsea"))
    banks.create_bank(name="b", actor=actor, action=BankAction.BLOCK)
    banks.add_media(bank_name="b", data=data, actor=actor)
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        blocked = scan_bytes(data=data, actor=actor, media_id="m1", post_id="p1", account_id="a1")
        allowed = scan_bytes(data=jpeg(photo("coffee")), actor=actor, media_id="m2")
    assert (blocked.verdict, allowed.verdict) == ("block", "allow")
    assert AuditEvent.objects.count() == before
    touched = [q["sql"] for q in ctx.captured_queries if "core_audit" in q["sql"]]
    assert touched == []
