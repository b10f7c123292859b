"""A scrape's queries go through indices: their cost follows what is open or waiting, never
the history (closed cases, filed reports, delivered webhooks), on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shieldwall.cases.models import Case, CaseState, Tier
from shieldwall.core.metrics import exposition
from shieldwall.integrations.models import Action, Delivery, DeliveryStatus, WebhookEndpoint
from shieldwall.matching.models import ScanSignal, ScanSignalKind
from shieldwall.reports.models import Report

pytestmark = pytest.mark.django_db

HISTORY = 3000  # closed, filed or delivered rows beside the few that are open or waiting
TABLES = (
    "cases_case",
    "reports_report",
    "matching_scansignal",
    "integrations_delivery",
)


def _history() -> None:
    now = timezone.now()
    old = now - timedelta(days=30)
    Case.objects.bulk_create(
        Case(
            public_id=f"case_{n}",
            subject_type="post",
            subject_id=f"p{n}",
            category="spam",
            tier=Tier.OTHER if n % 3 else Tier.CSE,
            state=CaseState.CLOSED if n > 5 else CaseState.OPEN,
            opened_at=old,
            deadline_at=old,
        )
        for n in range(HISTORY)
    )
    Report.objects.bulk_create(
        Report(
            public_id=f"rep_{n}",
            submitted_by="apikey:test",
            idempotency_key=f"k{n}",
            source="platform",
            subject_type="post",
            subject_id=f"p{n}",
            flow_version="1",
            path=[],
            category="spam",
            filed_at=None if n > HISTORY - 3 else old,
        )
        for n in range(HISTORY)
    )
    ScanSignal.objects.bulk_create(
        ScanSignal(kind=ScanSignalKind.BLOCKED, media_id=f"m{n}", filed_at=old if n > 2 else None)
        for n in range(HISTORY)
    )
    endpoint = WebhookEndpoint.objects.create(url="https://a.example.test/hook", secret="s" * 40)
    actions = Action.objects.bulk_create(
        Action(
            public_id=f"act_{n}",
            kind="remove_post",
            subject_type="post",
            subject_id=f"p{n}",
            reason="spam",
            created_at=old,
            created_by="cli",
        )
        for n in range(HISTORY)
    )
    Delivery.objects.bulk_create(
        Delivery(
            action=a,
            endpoint=endpoint,
            status=DeliveryStatus.DELIVERED if n > 5 else DeliveryStatus.PENDING,
            next_attempt_at=old,
        )
        for n, a in enumerate(actions)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _plan(sql: str, params: tuple[object, ...]) -> str:
    with connection.cursor() as cursor:
        prefix = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _scrape_queries() -> list[str]:
    """Each query of a scrape, with its parameters quoted in."""
    with CaptureQueriesContext(connection) as ctx:
        exposition()
    return [q["sql"] for q in ctx.captured_queries]


def _full_scans(plan: str) -> list[str]:
    if connection.vendor == "postgresql":
        return [t for t in TABLES if f"Seq Scan on {t}" in plan]
    # SQLite: "SCAN t" reads the table; "SCAN t USING (COVERING) INDEX" or "SEARCH" do not.
    return [
        t
        for t in TABLES
        for line in plan.splitlines()
        if line.strip().startswith(f"SCAN {t}") and "INDEX" not in line
    ]


def test_every_scrape_query_reads_an_index_not_the_table() -> None:
    _history()
    queries = _scrape_queries()
    assert len(queries) >= 8  # open, oldest per open tier, overdue, two lags, three outbox
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner may prefer a table scan on a small table; forbid it to see whether
            # an index can answer each query at all.
            cursor.execute("SET enable_seqscan = off")
        try:
            for sql in queries:
                plan = _plan(sql, ())
                assert not _full_scans(plan), (sql, plan)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET enable_seqscan = on")
