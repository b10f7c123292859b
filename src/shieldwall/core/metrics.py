"""What operators scrape at /metrics: instruments the apps update as they work, and figures
each app computes from the database at scrape time.

Instruments (counters, histograms) register in `INSTRUMENTS`, not in prometheus-client's
global registry, whose process and GC collectors cannot be added up across gunicorn's worker
processes. Under `shieldwall serve` every worker writes its instruments to files in the
serve's multiprocess folder (see `core/metrics_dir.py`) and a scrape, answered by any one
worker, adds up all of them; without it (tests, one process) a scrape reads this process's.

The figures computed at scrape time come from the apps: each app that has any declares
them in `<app>/metrics.py` as `COLLECTORS`, a tuple of functions that return metric families;
core finds those modules by name among the installed apps (as it finds `permissions.py`), so
it imports no feature app, and a new figure is one function and one entry in its app's tuple.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache

import structlog
from django.conf import settings
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
    "app_collectors",
    "exposition",
    "labelled_gauge",
]

log = structlog.get_logger(__name__)

# The classic text format, which every Prometheus reads (our names need no UTF-8 escaping).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
INSTRUMENTS = CollectorRegistry(auto_describe=True)

CollectFunction = Callable[[], Iterable[Metric]]

# Core's own scrape-time figures. Reserved for collectors still to be wired, one entry each:
#   shieldwall_worker_job_last_run_timestamp_seconds{job}  here, from core's job_status();
#   shieldwall_index_snapshot_age_seconds{bank}, shieldwall_index_snapshot_bytes{bank}
#       in matching/metrics.py's COLLECTORS, from matching's snapshot_stats().
COLLECTORS: tuple[CollectFunction, ...] = ()


class NoCollectors(LookupError):
    """An app's metrics.py declares no COLLECTORS tuple: refused, never skipped silently."""


def _app_names() -> list[str]:
    return [name for name in settings.INSTALLED_APPS if name.startswith("shieldwall.")]


@cache
def app_collectors() -> tuple[CollectFunction, ...]:
    """Every installed Shieldwall app's COLLECTORS, in the order the apps are installed."""
    found: list[CollectFunction] = []
    for app in _app_names():
        module_name = f"{app}.metrics"
        if importlib.util.find_spec(module_name) is None:
            continue
        declared = getattr(importlib.import_module(module_name), "COLLECTORS", None)
        if not isinstance(declared, tuple) or not all(callable(c) for c in declared):
            raise NoCollectors(f"{module_name} has no COLLECTORS = (function, ...)")
        found.extend(declared)
    return tuple(found)


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

    def __init__(self, collectors: Iterable[CollectFunction]) -> None:
        self.collectors = tuple(collectors)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "shieldwall_collector_up",
            "Whether a scrape-time collector answered (1) or failed (0, see the log).",
            labels=["collector"],
        )
        for collector in self.collectors:
            name = collector_name(collector)
            try:
                families = list(collector())
            except Exception:  # any failure: report it down, keep the rest of the scrape
                log.exception("metrics.collector_failed", collector=name)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


def collector_name(collector: CollectFunction) -> str:
    """How a collector is named in `shieldwall_collector_up` and the log: module.function."""
    return f"{collector.__module__}.{collector.__qualname__}"


class _Instruments:
    """This process's own instruments, when no multiprocess folder adds up several."""

    def collect(self) -> Iterator[Metric]:
        return iter(INSTRUMENTS.collect())


def exposition(collectors: Iterable[CollectFunction] | None = None) -> bytes:
    """The scrape's body in Prometheus's text format: instruments, then scrape-time figures
    (every app's, unless the caller names its own)."""
    registry = CollectorRegistry(auto_describe=False)
    folder = os.environ.get(MULTIPROC_ENV, "")
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_Instruments())
    registry.register(ScrapeCollector(app_collectors() if collectors is None else collectors))
    return generate_latest(registry)
