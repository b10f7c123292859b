"""Background jobs of hash banks, run by `shieldwall worker` from the database queue."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks import task

from shieldwall.banks.exchanges import sync_exchange
from shieldwall.core.actors import SYSTEM
from shieldwall.core.errors import Invalid


@task()
def sync_exchange_task(exchange_id: int) -> dict[str, Any]:
    """Sync one exchange into its bank as the system (safe to run twice; a full fetch each time)."""
    try:
        return sync_exchange(exchange_id=exchange_id, actor=SYSTEM).as_dict()
    except Invalid as exc:
        if exc.code != "exchange_disabled":
            raise
        # Switched off after the job was queued: nothing to do, and not a failure.
        return {"exchange_id": exchange_id, "skipped": exc.message}


def enqueue_sync_on_commit(exchange_id: int) -> None:
    """Queue a sync of the exchange once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: sync_exchange_task.enqueue(exchange_id))
