"""The audit events the banks record: settings, entries, protected hashes read, exchanges."""

from __future__ import annotations

from shieldwall.core.audit import EventType


class BankEvent(EventType):
    """A change to a bank or its entries, or protected hashes handed out."""

    CREATED = "bank.create"
    UPDATED = "bank.update"
    ENTRIES_ADDED = "bank.entries.add"
    ENTRIES_REMOVED = "bank.entries.remove"
    ENTRY_ENABLED = "bank.entry.enable"
    ENTRY_DISABLED = "bank.entry.disable"
    EXPORTED = "bank.export"
    ENTRIES_READ = "bank.entries.read"
    EXCHANGE_ADDED = "bank.exchange.add"
    EXCHANGE_SYNCED = "bank.exchange.sync"
    EXCHANGE_SYNC_FAILED = "bank.exchange.sync_failed"
