"""Staff pages of the integrations app (webhook dead letters), under /staff/webhooks/."""

from __future__ import annotations

from django.urls import URLPattern, path

from shieldwall.integrations import views

app_name = "integrations"
urlpatterns: list[URLPattern] = [
    path("dead", views.dead_letters, name="dead"),
]
