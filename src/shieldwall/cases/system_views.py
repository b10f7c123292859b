"""The desk's system page: how each of the worker's jobs last ran (admins and leads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from shieldwall.cases.views import _actor, desk_view
from shieldwall.core.worker import STALE_AFTER, JobStatus, system_page


@dataclass(frozen=True)
class JobRow:
    """A job as the page shows it: its status, and its times as "12 s ago"."""

    job: JobStatus
    finished: str
    ok: str


def ago(moment: datetime | None, now: datetime) -> str:
    """How long ago, to the second for a loop's last minute ("never" when it never was)."""
    if moment is None:
        return "never"
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if unit == 'day' and n != 1 else ''} ago"
    return f"{seconds} s ago"


@require_GET
@desk_view
def system(request: HttpRequest) -> HttpResponse:
    """Each job with its last run, its failures, and a warning when it has gone quiet."""
    jobs = system_page(actor=_actor(request))  # checks the role
    now = timezone.now()
    context = {
        "rows": [JobRow(j, ago(j.last_finished, now), ago(j.last_ok, now)) for j in jobs],
        "stale": [j for j in jobs if j.stale],
        "failing": [j for j in jobs if j.failing],
        "stale_after": STALE_AFTER,
    }
    return render(request, "cases/system.html", context)
