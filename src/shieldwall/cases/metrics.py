"""The desk's figures at scrape time: open cases and the oldest per tier, cases past their
deadline, and how far the worker's filers lag behind (reports and scan signals not filed).

Each is one query on an index (see the EXPLAIN test in tests/core/test_metrics_queries.py),
so a scrape every few seconds costs the database next to nothing however long the queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from shieldwall.cases.models import OPEN_STATES, Case, Tier
from shieldwall.matching.models import ScanSignal
from shieldwall.reports.models import Report

# Tiers by name in labels: dashboards read "cse" more safely than "1".
TIER_LABELS = {Tier.CSE: "cse", Tier.NCII: "ncii", Tier.OTHER: "other"}


def case_metrics() -> Iterator[Metric]:
    """Every figure of this app, for core.metrics.COLLECTORS."""
    now = timezone.now()
    yield from _open_cases(now)
    yield _overdue(now)
    yield _filer_lag(now)


def _open_cases(now: datetime) -> Iterator[Metric]:
    count = GaugeMetricFamily(
        "shieldwall_cases_open",
        "Cases not yet closed (open, acknowledged or escalated), per priority tier.",
        labels=["tier"],
    )
    oldest = GaugeMetricFamily(
        "shieldwall_cases_oldest_open_age_seconds",
        "Age of the oldest case not yet closed, per priority tier (0 when there is none).",
        labels=["tier"],
    )
    counts = dict(
        Case.objects.filter(state__in=OPEN_STATES)
        .values_list("tier")
        .annotate(n=Count("id"))
        .order_by()
    )
    for tier, label in TIER_LABELS.items():
        count.add_metric([label], counts.get(tier, 0))
        opened = _oldest_opened(tier) if counts.get(tier) else None
        oldest.add_metric([label], _age(now, opened))
    yield count
    yield oldest


def _oldest_opened(tier: int) -> datetime | None:
    return (
        Case.objects.filter(state__in=OPEN_STATES, tier=tier)
        .order_by("opened_at")
        .values_list("opened_at", flat=True)
        .first()
    )


def _overdue(now: datetime) -> Metric:
    overdue = GaugeMetricFamily(
        "shieldwall_cases_overdue",
        "Cases not yet closed whose review deadline has passed, per priority tier.",
        labels=["tier"],
    )
    counts = dict(
        Case.objects.filter(state__in=OPEN_STATES, deadline_at__lt=now)
        .values_list("tier")
        .annotate(n=Count("id"))
        .order_by()
    )
    for tier, label in TIER_LABELS.items():
        overdue.add_metric([label], counts.get(tier, 0))
    return overdue


def _filer_lag(now: datetime) -> Metric:
    lag = GaugeMetricFamily(
        "shieldwall_filer_lag_seconds",
        "Age of the oldest item the worker has not filed into a case yet (0 when none "
        "waits): stored reports, and scan signals (a near match without a post waits a few "
        "minutes for it by design).",
        labels=["queue"],
    )
    oldest_report = (
        Report.objects.filter(filed_at__isnull=True)
        .order_by("id")
        .values_list("created_at", flat=True)
        .first()
    )
    oldest_signal = (
        ScanSignal.objects.filter(filed_at__isnull=True)
        .order_by("id")
        .values_list("created_at", flat=True)
        .first()
    )
    lag.add_metric(["reports"], _age(now, oldest_report))
    lag.add_metric(["scan_signals"], _age(now, oldest_signal))
    return lag


def _age(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0
