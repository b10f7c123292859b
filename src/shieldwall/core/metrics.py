"""What operators scrape at /metrics: instruments the apps update as they work, and figures
each app computes from the database at scrape time.

Instruments (counters, histograms) register in `INSTRUMENTS`, not in prometheus-client's
global registry, whose process and GC collectors cannot be added up across gunicorn's worker
processes. Under `shieldwall serve` every worker writes its instruments to files in the
serve's multiprocess folder (see `core/metrics_dir.py`) and a scrape, answered by any one
worker, adds up all of them; without it (tests, one process) a scrape reads this process's.

The figures computed at scrape time come from one function per app, named in `COLLECTORS`
and imported by name: core imports no feature app, and an app joins with one line here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping

import structlog
from django.utils.module_loading import import_string
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from shieldwall.core.metrics_dir import MULTIPROC_ENV

__all__ = [
    "COLLECTORS",
    "CONTENT_TYPE",
    "INSTRUMENTS",
    "ScrapeCollector",
    "exposition",
    "labelled_gauge",
]

log = structlog.get_logger(__name__)

# The classic text format, which every Prometheus reads (our names need no UTF-8 escaping).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
INSTRUMENTS = CollectorRegistry(auto_describe=True)

# One entry per app: a function returning the metric families it computes at scrape time.
# Names reserved for collectors still to be wired (one entry each, see docs/integration.md):
#   shieldwall_index_snapshot_age_seconds{bank}, shieldwall_index_snapshot_bytes{bank}
#       from matching's snapshot_stats(), e.g. "shieldwall.matching.metrics.snapshot_metrics";
#   shieldwall_worker_job_last_run_timestamp_seconds{job}
#       from core's job_status(), e.g. "shieldwall.core.jobs.job_metrics".
COLLECTORS: tuple[str, ...] = (
    "shieldwall.cases.metrics.case_metrics",
    "shieldwall.integrations.metrics.outbox_metrics",
)

CollectFunction = Callable[[], Iterable[Metric]]


def labelled_gauge(
    name: str, documentation: str, label: str, values: Mapping[str, float]
) -> GaugeMetricFamily:
    """A gauge with one sample per label value (per tier, per bank, per job): the shape most
    scrape-time figures take, so a collector is a query and one call of this."""
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in values.items():
        family.add_metric([key], value)
    return family


class ScrapeCollector:
    """Runs each named collect function at scrape time; one that fails is reported as down
    (`shieldwall_collector_up{collector} 0`, and logged) instead of failing the scrape, so a
    slow or broken query never hides the other figures."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(names)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "shieldwall_collector_up",
            "Whether a scrape-time collector answered (1) or failed (0, see the log).",
            labels=["collector"],
        )
        for name in self.names:
            try:
                families = list(_load(name)())
            except Exception:  # any failure: report it down, keep the rest of the scrape
                log.exception("metrics.collector_failed", collector=name)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


def _load(name: str) -> CollectFunction:
    function: CollectFunction = import_string(name)
    return function


class _Instruments:
    """This process's own instruments, when no multiprocess folder adds up several."""

    def collect(self) -> Iterator[Metric]:
        return iter(INSTRUMENTS.collect())


def exposition(collectors: Iterable[str] = COLLECTORS) -> bytes:
    """The scrape's body in Prometheus's text format: instruments, then scrape-time figures."""
    registry = CollectorRegistry(auto_describe=False)
    folder = os.environ.get(MULTIPROC_ENV, "")
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_Instruments())
    registry.register(ScrapeCollector(collectors))
    return generate_latest(registry)
