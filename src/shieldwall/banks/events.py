"""The audit events the banks record: their settings, their entries, who read protected
hashes, and the exchanges that fill them.

The stored strings are the audit chain's and an auditor's filter: never edit one.
"""

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
