"""The moderator's desk, mounted under /desk/ (see shieldwall/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shieldwall.cases import system_views, unresolved_views, views

app_name = "desk"
urlpatterns: list[URLPattern] = [
    path("", views.queue, name="queue"),
    path("counts", views.counts, name="counts"),
    path("bulk", views.bulk, name="bulk"),
    path("system", system_views.system, name="system"),
    path("unresolved", unresolved_views.unresolved_links, name="unresolved"),
    path("unresolved/<str:report_id>/resolve", unresolved_views.resolve, name="resolve_link"),
    path("unresolved/<str:report_id>/dismiss", unresolved_views.dismiss, name="dismiss_link"),
    path("case/<str:public_id>", views.case_page, name="case"),
    path("case/<str:public_id>/reveal", views.reveal, name="reveal"),
    path("case/<str:public_id>/actions", views.actions, name="actions"),
    path("case/<str:public_id>/<str:verb>", views.act, name="act"),
]
