"""Term rules' figures: checks answered (per check and verdict), and at scrape time the
active rules by match and effect and the tags the sweep keeps suppressed on the platform."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from shieldwall.core.metrics import INSTRUMENTS, CollectFunction, labelled_gauge

CHECKS = Counter(
    "shieldwall_term_checks",
    "Hashtag and search checks answered, by check (hashtags, search) and verdict "
    "(suppressed when any tag or the query was).",
    ["check", "verdict"],
    registry=INSTRUMENTS,
)


def record_check(check: str, suppressed: bool) -> None:
    """Count one answered check."""
    CHECKS.labels(check=check, verdict="suppressed" if suppressed else "open").inc()


def rule_metrics() -> Iterator[Metric]:
    """Active rules per match and effect, and active suppressions (two small queries)."""
    # Imported here: the instrument above is imported before Django's apps are loaded.
    from django.db.models import Count

    from shieldwall.terms.models import TagSuppression, TermRule

    counts = (
        TermRule.objects.filter(removed_at__isnull=True)
        .values_list("match", "effect")
        .annotate(n=Count("id"))
    )
    yield labelled_gauge(
        "shieldwall_term_rules",
        "Active term rules, by match and effect (e.g. exact/block, contains/allow).",
        "kind",
        {f"{match}/{effect}": float(n) for match, effect, n in counts},
    )
    yield GaugeMetricFamily(
        "shieldwall_tag_suppressions_active",
        "Platform hashtags the sweep asked the platform to suppress and has not lifted.",
        value=TagSuppression.objects.filter(lifted_at__isnull=True).count(),
    )


COLLECTORS: tuple[CollectFunction, ...] = (rule_metrics,)
