"""Admin pages: the platform's profile, read-only (the platform sets it over the API)."""

from __future__ import annotations

from django.contrib import admin

from shieldwall.core.admin import ReadOnlyAdmin
from shieldwall.subjects.models import PlatformProfile


@admin.register(PlatformProfile)
class PlatformProfileAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "updated_at", "updated_by")
    readonly_fields = ("hosts", "links", "media_hosts", "updated_at", "updated_by")
