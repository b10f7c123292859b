"""Admin pages: the audit log read-only, API keys without their secrets."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shieldwall.core.models import ApiKey, AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[Any]):
    list_display = ("seq", "created_at", "actor", "action", "subject_type", "subject_id")
    list_filter = ("action", "subject_type")
    search_fields = ("actor", "subject_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[Any]):
    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("name", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are created with `shieldwall apikey create`, which shows them once
