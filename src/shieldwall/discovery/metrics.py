"""Discovery's figures at /metrics, read from the database at scrape: how far the graph lags
behind the hashtag stream, and the suggestions by state. Two indexed queries and a count."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from shieldwall.core.metrics import CollectFunction, labelled_gauge


def discovery_metrics() -> Iterator[Metric]:
    """The graph's lag in hashtag uses (a growing lag: the `tag-graph` job is not keeping
    up) and how many tag suggestions are open, approved and rejected."""
    # Imported here: this module is imported before Django's apps are loaded.
    from django.db.models import Count

    from shieldwall.discovery.graph import position
    from shieldwall.discovery.kinds import SuggestionState
    from shieldwall.discovery.models import TagSuggestion
    from shieldwall.subjects.reads import last_hashtag_use

    lag = GaugeMetricFamily(
        "shieldwall_discovery_graph_lag_uses",
        "Hashtag uses the platform sent that the account-hashtag graph has not taken in yet.",
    )
    lag.add_metric([], float(max(0, last_hashtag_use() - position())))
    yield lag
    counts = dict(
        TagSuggestion.objects.values("state").annotate(n=Count("id")).values_list("state", "n")
    )
    yield labelled_gauge(
        "shieldwall_discovery_tag_suggestions",
        "Suggested tags by state (open ones wait for a lead or an admin).",
        "state",
        {state: float(counts.get(state, 0)) for state in SuggestionState.values},
    )


COLLECTORS: tuple[CollectFunction, ...] = (discovery_metrics,)
