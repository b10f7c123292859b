"""Staff pages of the integrations app (webhook dead letters)."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "integrations"
urlpatterns: list[URLPattern] = []
