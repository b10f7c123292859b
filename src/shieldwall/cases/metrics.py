"""The desk's figures at scrape time: open cases and the oldest per tier, cases past their
deadline, and how far the worker's filers lag behind (reports and scan signals not filed).

Each is one query on an index (see the EXPLAIN test in tests/core/test_metrics_queries.py),
so a scrape every few seconds costs the database next to nothing however long the queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone
from prometheus_client.metrics_core import Metric

from shieldwall.cases.models import OPEN_STATES, Case, Tier
from shieldwall.core.metrics import labelled_gauge
from shieldwall.matching.models import ScanSignal
from shieldwall.reports.models import Report

# Tiers by name in labels: dashboards read "cse" more safely than "1".
TIER_LABELS = {Tier.CSE: "cse", Tier.NCII: "ncii", Tier.OTHER: "other"}


def case_metrics() -> Iterator[Metric]:
    """Every figure of this app at scrape time."""
    now = timezone.now()
    open_counts = _per_tier(Case.objects.filter(state__in=OPEN_STATES))
    yield labelled_gauge(
        "shieldwall_cases_open",
        "Cases not yet closed (open, acknowledged or escalated), per priority tier.",
        "tier",
        {label: open_counts.get(tier, 0) for tier, label in TIER_LABELS.items()},
    )
    yield labelled_gauge(
        "shieldwall_cases_oldest_open_age_seconds",
        "Age of the oldest case not yet closed, per priority tier (0 when there is none).",
        "tier",
        {
            label: _age(now, _oldest_opened(tier) if open_counts.get(tier) else None)
            for tier, label in TIER_LABELS.items()
        },
    )
    overdue = _per_tier(Case.objects.filter(state__in=OPEN_STATES, deadline_at__lt=now))
    yield labelled_gauge(
        "shieldwall_cases_overdue",
        "Cases not yet closed whose review deadline has passed, per priority tier.",
        "tier",
        {label: overdue.get(tier, 0) for tier, label in TIER_LABELS.items()},
    )
    yield labelled_gauge(
        "shieldwall_filer_lag_seconds",
        "Age of the oldest item the worker has not filed into a case yet (0 when none "
        "waits): stored reports, and scan signals (a near match without a post waits a few "
        "minutes for it by design).",
        "queue",
        {
            "reports": _age(now, _oldest_unfiled(Report.objects.filter(filed_at__isnull=True))),
            "scan_signals": _age(
                now, _oldest_unfiled(ScanSignal.objects.filter(filed_at__isnull=True))
            ),
        },
    )


COLLECTORS = (case_metrics,)


def _per_tier(cases: QuerySet[Case]) -> dict[int, int]:
    return dict(cases.values_list("tier").annotate(n=Count("id")).order_by())


def _oldest_opened(tier: int) -> datetime | None:
    """Through the partial index `case_open_age`: one probe, however many cases are open."""
    return (
        Case.objects.filter(state__in=OPEN_STATES, tier=tier)
        .order_by("opened_at")
        .values_list("opened_at", flat=True)
        .first()
    )


def _oldest_unfiled(pending: QuerySet[Report] | QuerySet[ScanSignal]) -> datetime | None:
    """The first stored of them, through the partial index on unfiled rows by id."""
    created: datetime | None = pending.order_by("id").values_list("created_at", flat=True).first()
    return created


def _age(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0
