"""Admin pages for banks: read-only; changes go through the guarded, audited services."""

from __future__ import annotations

from django.contrib import admin

from shieldwall.banks.models import Bank, BankEntry, BankExchange
from shieldwall.core.admin import ReadOnlyAdmin


@admin.register(Bank)
class BankAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "action", "pdq_threshold", "enabled", "version", "owner")
    list_filter = ("kind", "action", "enabled")


@admin.register(BankEntry)
class BankEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "bank", "signal_type", "source", "external_id", "enabled", "created_at")
    list_filter = ("bank", "signal_type", "source", "enabled")
    list_select_related = ("bank",)


@admin.register(BankExchange)
class BankExchangeAdmin(ReadOnlyAdmin):
    list_display = ("id", "bank", "api", "enabled", "last_fetch_at", "last_error")
    list_filter = ("api", "enabled")
    list_select_related = ("bank",)
