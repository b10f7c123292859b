"""The change log of perceptual entries that match indices replay (see BankEntryChange).

Called by the bank verbs inside their transaction, under the bank's row lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from shieldwall.banks.models import Bank, BankEntry, BankEntryChange, EntryChangeOp, SignalType

INDEXED = (SignalType.PDQ, SignalType.VPDQ)


def log_added(bank: Bank, entries: Iterable[BankEntry]) -> None:
    """Log entries that now match (new, or enabled again)."""
    rows = [
        BankEntryChange(
            bank=bank,
            entry_id=e.pk,
            op=EntryChangeOp.ADD,
            signal_type=e.signal_type,
            value=e.value if e.signal_type == SignalType.PDQ else "",
            quality=e.quality,
            variant_of_id=e.variant_of_id,
        )
        for e in entries
        if e.signal_type in INDEXED and e.pk is not None
    ]
    BankEntryChange.objects.bulk_create(rows, batch_size=1000)


def log_withdrawn(bank: Bank, entries: Sequence[tuple[int, str]]) -> None:
    """Log entries (id, signal type) that match no more (disabled, or deleted)."""
    rows = [
        BankEntryChange(bank=bank, entry_id=pk, op=EntryChangeOp.WITHDRAW, signal_type=st)
        for pk, st in entries
        if st in INDEXED
    ]
    BankEntryChange.objects.bulk_create(rows, batch_size=1000)
