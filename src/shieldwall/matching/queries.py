"""Read side of matching for other apps: what the scans told us about accounts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count

from shieldwall.matching.models import ScanSignal, ScanSignalKind


def blocked_uploads_by_account(
    account_ids: Iterable[str] | None = None, *, since: datetime | None = None
) -> dict[str, int]:
    """How many uploads each account had blocked (known media), since a moment if given;
    for the given accounts, or every account that had one."""
    rows = ScanSignal.objects.filter(kind=ScanSignalKind.BLOCKED).exclude(account_id="")
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    found: dict[str, int] = {}
    ids = None if account_ids is None else list(dict.fromkeys(account_ids))
    chunks = [None] if ids is None else [ids[i : i + 500] for i in range(0, len(ids), 500)]
    for chunk in chunks:
        part = rows if chunk is None else rows.filter(account_id__in=chunk)
        found.update(
            part.values("account_id").annotate(n=Count("id")).values_list("account_id", "n")
        )
    return found
