"""The discovery app's background jobs for `shieldwall worker` (see core/worker.py)."""

from __future__ import annotations

import structlog

from shieldwall.core.worker import Job, loop, periodic
from shieldwall.discovery import services

log = structlog.get_logger("shieldwall.worker")
GRAPH_IDLE_SECONDS = 1.0
SCORE_SECONDS = 60.0
LEADS_SECONDS = 900.0  # with 5 cases a round at most: 20 new review cases an hour


def take_in_hashtags() -> int:
    """One round of the graph: the next batch of hashtag uses, in pk order."""
    return services.update_graph()


def score() -> int:
    """Rescore the candidate tags into the open suggestions."""
    return services.score_tags()


def find_accounts() -> int:
    """Rank accounts and open review cases for the top ones (bounded per round)."""
    if opened := services.find_accounts():
        log.info("discovery.account_cases_opened", count=opened)
    return opened


JOBS: tuple[Job, ...] = (
    loop("tag-graph", take_in_hashtags, idle=GRAPH_IDLE_SECONDS),
    periodic("tag-suggestions", score, every=SCORE_SECONDS),
    periodic("account-leads", find_accounts, every=LEADS_SECONDS),
)
