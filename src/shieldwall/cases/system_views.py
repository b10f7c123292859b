"""The desk's system page: how each of the worker's jobs last ran (admins and leads)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from shieldwall.cases.views import _actor, desk_view
from shieldwall.core.worker import STALE_AFTER, system_page


@require_GET
@desk_view
def system(request: HttpRequest) -> HttpResponse:
    """Each job with its last run, its failures, and a warning when it has gone quiet."""
    jobs = system_page(actor=_actor(request))  # checks the role
    context = {
        "jobs": jobs,
        "stale": [j for j in jobs if j.stale],
        "failing": [j for j in jobs if j.failing],
        "stale_after": STALE_AFTER,
        "now": timezone.now(),
    }
    return render(request, "cases/system.html", context)
