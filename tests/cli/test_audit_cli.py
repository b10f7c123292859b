"""`shieldwall audit verify` tells each kind of tampering apart, with exit status 2."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.audit_support import GUARDS, TABLES
from tests.cli_support import Shieldwall

pytestmark = pytest.mark.slow


def _execute(sw: Shieldwall, statements: list[str]) -> None:
    """Run SQL on the command's own database with the audit triggers switched off."""
    url = sw.env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            for table in TABLES:
                conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")  # type: ignore[arg-type]
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]
            for table in TABLES:
                conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")  # type: ignore[arg-type]
        return
    conn2 = sqlite3.connect(Path(sw.env["SHIELDWALL_HOME"]) / "shieldwall.sqlite3")
    try:
        for sql in [*GUARDS.SQLITE_DROP, *statements]:
            conn2.execute(sql)
        conn2.commit()
    finally:
        conn2.close()


def _head(sw: Shieldwall) -> tuple[Any, ...]:
    url = sw.env.get("DATABASE_URL", "")
    sql = "SELECT last_seq, last_hash, seal FROM core_audithead WHERE id = 1"
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url) as conn:
            row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
    else:
        with sqlite3.connect(Path(sw.env["SHIELDWALL_HOME"]) / "shieldwall.sqlite3") as c:
            row = c.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def _events(sw: Shieldwall, n: int, first: int = 0) -> None:
    for i in range(first, first + n):
        assert sw("bank", "create", f"b{i}").code == 0


def _edit_and_recompute(sw: Shieldwall) -> None:
    # Without the key an attacker can only recompute plain SHA-256 digests.
    import hashlib

    _execute(
        sw,
        [
            "UPDATE core_auditevent SET data = '{}', hash = '"
            + hashlib.sha256(b"forged").hexdigest()
            + "' WHERE seq = 2",
            "UPDATE core_auditevent SET prev_hash = (SELECT hash FROM core_auditevent"
            " WHERE seq = 2) WHERE seq = 3",
        ],
    )


def _truncate_and_rewind(sw: Shieldwall) -> None:
    _execute(
        sw,
        [
            "DELETE FROM core_auditevent WHERE seq = 3",
            "UPDATE core_audithead SET last_seq = 2, last_hash = "
            "(SELECT hash FROM core_auditevent WHERE seq = 2)",
        ],
    )


CASES: list[tuple[str, Callable[[Shieldwall], None], str]] = [
    ("edit_and_recompute", _edit_and_recompute, "event #2 was altered"),
    ("truncate_and_rewind_head", _truncate_and_rewind, "the head record (#2) was altered"),
    (
        "delete_head",
        lambda sw: _execute(sw, ["DELETE FROM core_audithead"]),
        "the head record is missing although events exist: it was deleted",
    ),
    (
        "delete_all",
        lambda sw: _execute(sw, ["DELETE FROM core_auditevent", "DELETE FROM core_audithead"]),
        "saw #3: the log was emptied",
    ),
    (
        "delete_middle",
        lambda sw: _execute(sw, ["DELETE FROM core_auditevent WHERE seq = 2"]),
        "event #2 is missing (next is #3)",
    ),
]


@pytest.mark.parametrize(("name", "tamper", "sentence"), CASES, ids=[c[0] for c in CASES])
def test_verify_names_each_tampering_and_exits_2(
    sw: Shieldwall, name: str, tamper: Callable[[Shieldwall], None], sentence: str
) -> None:
    _events(sw, 3)
    checkpoint = sw("audit", "checkpoint")
    assert (checkpoint.code, checkpoint.out.strip()) == (
        0,
        "audit checkpoint at #3 (3 new events verified)",
    )
    assert sw("audit", "verify").code == 0
    tamper(sw)
    result = sw("audit", "verify")
    assert result.code == 2, result.out + result.err
    assert result.out.startswith("audit log TAMPERED: ")
    assert sentence in result.out


def test_replaying_an_old_sealed_head_is_caught_by_the_checkpoint(sw: Shieldwall) -> None:
    _events(sw, 2)
    seq, last_hash, seal = _head(sw)
    _events(sw, 2, first=2)
    assert sw("audit", "checkpoint").code == 0
    _execute(
        sw,
        [
            f"DELETE FROM core_auditevent WHERE seq > {seq}",
            f"UPDATE core_audithead SET last_seq = {seq}, last_hash = '{last_hash}', "
            f"seal = '{seal}'",
        ],
    )
    result = sw("audit", "verify")
    assert result.code == 2
    assert "events were removed and the head rewound" in result.out


def test_intact_log_says_what_it_checked(sw: Shieldwall) -> None:
    _events(sw, 2)
    first = sw("audit", "verify")
    assert first.code == 0
    assert first.out.splitlines() == [
        "audit log intact: 2 events verified",
        "  no checkpoint outside the database yet (the worker writes one)",
    ]
    sw("audit", "checkpoint")
    assert "matches the checkpoint outside the database at #2" in sw("audit", "verify").out


@pytest.mark.slow
@pytest.mark.parametrize("command", ["worker", "serve"])
def test_a_process_with_another_audit_key_refuses_to_start(sw: Shieldwall, command: str) -> None:
    # The log was sealed with this home's key; a second machine started with another key
    # would fail every audited change, so it says so and does not start.
    assert sw("apikey", "create", "k").code == 0
    other = Shieldwall({**sw.env, "SHIELDWALL_AUDIT_KEY": "another-machine-" + "k" * 32})
    r = other(command, timeout=60)
    assert r.code == 1
    assert "refusing to start" in r.err
    assert "not sealed by this SHIELDWALL_AUDIT_KEY" in r.err
