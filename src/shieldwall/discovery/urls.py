"""The desk's discovery pages, mounted under /desk/discovery/ (see shieldwall/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shieldwall.discovery import views

app_name = "discovery"
urlpatterns: list[URLPattern] = [
    path("", views.queue, name="queue"),
    path("accounts", views.leads, name="leads"),
    path("suggestion/<str:suggestion_id>/approve", views.approve, name="approve"),
    path("suggestion/<str:suggestion_id>/reject", views.reject, name="reject"),
    path("suggestion/<str:suggestion_id>/reveal", views.reveal, name="reveal"),
]
