"""Tamper with the audit log as someone who owns the database could: triggers lifted."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

GUARDS = importlib.import_module("shieldwall.core.migrations.0003_audit_keyed_chain_and_guards")
TABLES = ("core_auditevent", "core_audithead")


@contextmanager
def audit_guards_lifted(connection: Any = None) -> Iterator[None]:
    """Switch the audit tables' triggers off for the block, then back on."""
    if connection is None:
        from django.db import connection
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for table in TABLES:
                cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for sql in GUARDS.SQLITE_DROP:
                cur.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                for table in TABLES:
                    cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                for sql in GUARDS.SQLITE_INSTALL:
                    cur.execute(sql)


def tamper(*statements: tuple[str, list[object]]) -> None:
    """Run raw SQL on the audit tables with their triggers lifted."""
    from django.db import connection

    with audit_guards_lifted(), connection.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)
