"""The rules pages, mounted under /desk/terms/ (see shieldwall/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shieldwall.terms import views

app_name = "terms"
urlpatterns: list[URLPattern] = [
    path("", views.rules, name="rules"),
    path("add", views.add, name="add"),
    path("try", views.try_it, name="try"),
    path("<int:rule_id>/remove", views.remove, name="remove"),
]
