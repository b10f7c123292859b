"""Staff pages of webhooks: the dead letters and their retry (checks in the service too)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shieldwall.core.errors import ServiceError
from shieldwall.core.roles import user_actor
from shieldwall.integrations import services
from shieldwall.integrations.permissions import MANAGE_WEBHOOKS


@login_required
@permission_required(MANAGE_WEBHOOKS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def dead_letters(request: HttpRequest) -> HttpResponse:
    """List dead deliveries; POST the checked ones to set them pending again."""
    actor = user_actor(request.user)
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("delivery") if v.isdigit() and len(v) < 19]
        if not ids:
            messages.warning(request, "Select at least one delivery to retry.")
        else:
            try:
                n = services.retry_dead(delivery_ids=ids, actor=actor)
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{n} deliveries will be retried now.")
        return redirect("integrations:dead")
    return render(
        request,
        "integrations/dead_letters.html",
        {"deliveries": services.list_dead(actor=actor)},
    )
