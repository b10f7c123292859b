"""Admin pages: the platform's profile, read-only (the platform sets it over the API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shieldwall.subjects.models import PlatformProfile


@admin.register(PlatformProfile)
class PlatformProfileAdmin(admin.ModelAdmin[Any]):
    list_display = ("__str__", "updated_at", "updated_by")
    readonly_fields = ("hosts", "links", "media_hosts", "updated_at", "updated_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
