"""Admin pages for banks (read-mostly: changes go through the audited services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shieldwall.banks.models import Bank, BankEntry


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin[Any]):
    list_display = ("name", "kind", "action", "pdq_threshold", "enabled", "version")
    list_filter = ("kind", "action", "enabled")
    readonly_fields = [f.name for f in Bank._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(BankEntry)
class BankEntryAdmin(admin.ModelAdmin[Any]):
    list_display = ("id", "bank", "signal_type", "source", "external_id", "enabled", "created_at")
    list_filter = ("bank", "signal_type", "source", "enabled")
    readonly_fields = [f.name for f in BankEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
