"""The verbs of hash banks: create, change, fill from media or lists, export, remove."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils.text import slugify

from shieldwall.banks import changes, guard
from shieldwall.banks.events import BankEvent
from shieldwall.banks.models import (
    Bank,
    BankAction,
    BankEntry,
    BankKind,
    EntrySource,
    SignalType,
)
from shieldwall.banks.permissions import MANAGE_BANKS, VIEW_BANKS
from shieldwall.banks.signals import (
    Frame,
    SignalValueError,
    frames_to_value,
    normalise_value,
    parse_signal_type,
)
from shieldwall.core import audit
from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import Conflict, Invalid, NotFound
from shieldwall.core.limits import hash_media, refusal
from shieldwall.media.errors import MediaError
from shieldwall.media.hashing import MediaHashes
from shieldwall.media.nearcopy import NearCopy

MAX_IMPORT_ERRORS_SHOWN = 20
CSV_HEADER = ("signal_type", "value", "note")


@dataclass(frozen=True)
class HashRow:
    """One hash to put into a bank, as given by a list, an exchange or the API."""

    signal_type: str
    value: str
    note: str = ""
    external_id: str = ""
    quality: int | None = None
    # For a near copy (a crop or rotation of media banked from its bytes): the PDQ value of
    # that media's own entry, added in the same batch or already in the bank.
    variant_of: str = ""


@dataclass
class AddResult:
    """What an addition did: how many entries were new, already there, or refused."""

    added: int = 0
    duplicates: int = 0
    entry_ids: list[int] = field(default_factory=list)
    variants: int = 0  # of the added entries, near copies of another


@dataclass(frozen=True)
class RowError:
    """A refused row of a list: its line number (1-based) and why."""

    line: int
    message: str


def _with_reason(data: dict[str, object], reason: str) -> dict[str, object]:
    return {**data, "reason": reason} if reason else data


def _refuse_early(name: str, *, actor: Actor, reason: str, new_kind: str | None = None) -> None:
    """Refuse a change before any work; it is checked again under the bank's lock."""
    require(actor, MANAGE_BANKS)
    guard.check_change(bank=get_bank(name), actor=actor, reason=reason, new_kind=new_kind)


def _bump(bank: Bank) -> None:
    Bank.objects.filter(pk=bank.pk).update(version=F("version") + 1)


def get_bank(name: str, *, for_update: bool = False) -> Bank:
    """The bank named NAME, or NotFound."""
    qs = Bank.objects.select_for_update() if for_update else Bank.objects.all()
    bank = qs.filter(name=name).first()
    if bank is None:
        raise NotFound("bank_not_found", f"No bank is named {name!r}.")
    return bank


def _entry_counts(banks: list[Bank]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    rows = (
        BankEntry.objects.filter(enabled=True, bank__in=banks)
        .values("bank_id", "signal_type")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts.setdefault(row["bank_id"], {})[row["signal_type"]] = row["n"]
    return counts


def list_banks(*, actor: Actor) -> list[tuple[Bank, dict[str, int]]]:
    """Every bank with its count of enabled entries per signal type."""
    require(actor, VIEW_BANKS)
    banks = list(Bank.objects.all())
    counts = _entry_counts(banks)
    return [(bank, counts.get(bank.pk, {})) for bank in banks]


def describe_bank(*, name: str, actor: Actor) -> tuple[Bank, dict[str, int]]:
    """One bank with its count of enabled entries per signal type."""
    require(actor, VIEW_BANKS)
    bank = get_bank(name)
    return bank, _entry_counts([bank]).get(bank.pk, {})


def _validate_settings(
    *,
    kind: str | None,
    action: str | None,
    pdq_threshold: int | None,
    video_query_pct: float | None,
    video_bank_pct: float | None,
) -> None:
    if kind is not None and kind not in BankKind.values:
        raise Invalid(
            "invalid_kind", f"kind must be one of {', '.join(BankKind.values)}.", field="kind"
        )
    if action is not None and action not in BankAction.values:
        raise Invalid("invalid_action", "action must be block or review.", field="action")
    if pdq_threshold is not None and not 0 <= pdq_threshold <= 63:
        raise Invalid(
            "invalid_threshold", "pdq_threshold must be between 0 and 63.", field="pdq_threshold"
        )
    for name, pct in (("video_query_pct", video_query_pct), ("video_bank_pct", video_bank_pct)):
        if pct is not None and not 0 < pct <= 100:
            raise Invalid("invalid_percent", f"{name} must be above 0 and at most 100.", field=name)


def create_bank(
    *,
    name: str,
    actor: Actor,
    kind: str = BankKind.CUSTOM,
    action: str = BankAction.REVIEW,
    pdq_threshold: int = 31,
    video_query_pct: float = 80.0,
    video_bank_pct: float = 80.0,
    enabled: bool = True,
    reason: str = "",
) -> Bank:
    """Create an empty bank (owned by the platform key that creates it, if one does)."""
    require(actor, MANAGE_BANKS)
    if not name or slugify(name) != name or len(name) > 100:
        raise Invalid(
            "invalid_name",
            "A bank name is 1 to 100 lowercase letters, digits, hyphens or underscores.",
            field="name",
        )
    _validate_settings(
        kind=kind,
        action=action,
        pdq_threshold=pdq_threshold,
        video_query_pct=video_query_pct,
        video_bank_pct=video_bank_pct,
    )
    reason = guard.check_create(name=name, kind=kind, actor=actor, reason=reason)
    try:
        with transaction.atomic():
            owner = guard.key_of(actor)
            bank = Bank.objects.create(
                name=name,
                kind=kind,
                action=action,
                pdq_threshold=pdq_threshold,
                video_query_pct=video_query_pct,
                video_bank_pct=video_bank_pct,
                enabled=enabled,
                owner=owner,
            )
            data: dict[str, object] = {
                "name": name,
                "kind": kind,
                "action": action,
                "pdq_threshold": pdq_threshold,
                "enabled": enabled,
            }
            if owner is not None:
                data["owner"] = owner.name
            audit.record(
                actor=actor,
                action=BankEvent.CREATED,
                subject_type="bank",
                subject_id=bank.pk,
                data=_with_reason(data, reason),
            )
    except IntegrityError:
        raise Conflict(
            "bank_exists", f"A bank named {name!r} already exists.", field="name"
        ) from None
    return bank


def update_bank(
    *,
    name: str,
    actor: Actor,
    kind: str | None = None,
    action: str | None = None,
    pdq_threshold: int | None = None,
    video_query_pct: float | None = None,
    video_bank_pct: float | None = None,
    enabled: bool | None = None,
    reason: str = "",
) -> Bank:
    """Change a bank's settings; only the given ones change."""
    _refuse_early(name, actor=actor, reason=reason, new_kind=kind)
    _validate_settings(
        kind=kind,
        action=action,
        pdq_threshold=pdq_threshold,
        video_query_pct=video_query_pct,
        video_bank_pct=video_bank_pct,
    )
    wanted = {
        "kind": kind,
        "action": action,
        "pdq_threshold": pdq_threshold,
        "video_query_pct": video_query_pct,
        "video_bank_pct": video_bank_pct,
        "enabled": enabled,
    }
    with transaction.atomic():
        bank = get_bank(name, for_update=True)
        reason = guard.check_change(bank=bank, actor=actor, reason=reason, new_kind=kind)
        changes = {}
        for attr, value in wanted.items():
            if value is not None and getattr(bank, attr) != value:
                changes[attr] = {"from": getattr(bank, attr), "to": value}
                setattr(bank, attr, value)
        if changes:
            bank.version += 1
            bank.save()
            audit.record(
                actor=actor,
                action=BankEvent.UPDATED,
                subject_type="bank",
                subject_id=bank.pk,
                data=_with_reason({"name": name, "changes": changes}, reason),
            )
    return bank


def add_hashes(
    *,
    bank_name: str,
    rows: Iterable[HashRow],
    actor: Actor,
    source: str = EntrySource.API,
    reason: str = "",
) -> AddResult:
    """Add hashes to a bank, all or nothing: a bad row refuses the whole batch with its line."""
    _refuse_early(bank_name, actor=actor, reason=reason)
    rows = list(rows)
    entries, errors = _validate_rows(rows, source=source)
    if errors:
        shown = "; ".join(f"row {e.line}: {e.message}" for e in errors[:MAX_IMPORT_ERRORS_SHOWN])
        more = len(errors) - MAX_IMPORT_ERRORS_SHOWN
        suffix = f" (and {more} more)" if more > 0 else ""
        raise Invalid("invalid_rows", f"Nothing was added. {shown}{suffix}.")
    with transaction.atomic():
        bank = get_bank(bank_name, for_update=True)
        reason = guard.check_change(bank=bank, actor=actor, reason=reason)
        result = _insert(bank, entries, [row.variant_of for row in rows])
        audit.record(
            actor=actor,
            action=BankEvent.ENTRIES_ADDED,
            subject_type="bank",
            subject_id=bank.pk,
            data=_with_reason(
                {
                    "name": bank.name,
                    "source": source,
                    "added": result.added,
                    "duplicates": result.duplicates,
                    "variants": result.variants,
                },
                reason,
            ),
        )
    return result


def _validate_rows(
    rows: Iterable[HashRow], *, source: str
) -> tuple[list[BankEntry], list[RowError]]:
    entries: list[BankEntry] = []
    errors: list[RowError] = []
    for line, row in enumerate(rows, start=1):
        try:
            signal_type = parse_signal_type(row.signal_type)
            value = normalise_value(signal_type, row.value)
        except SignalValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        if len(row.note) > 500:
            errors.append(RowError(line, "a note is at most 500 characters"))
            continue
        if "\x00" in row.note or "\x00" in row.external_id:  # PostgreSQL cannot store it
            errors.append(RowError(line, "a note holds the NUL character (U+0000)"))
            continue
        if row.quality is not None and not 0 <= row.quality <= 100:
            errors.append(RowError(line, "quality is between 0 and 100"))
            continue
        if row.variant_of and (signal_type != SignalType.PDQ or len(row.variant_of) != 64):
            errors.append(RowError(line, "only a PDQ hash can be a near copy of a PDQ hash"))
            continue
        entries.append(
            BankEntry(
                signal_type=signal_type,
                value=value,
                note=row.note,
                quality=row.quality,
                source=source,
                external_id=row.external_id[:200],
            )
        )
    return entries, errors


def _insert(bank: Bank, entries: list[BankEntry], parents: Sequence[str] = ()) -> AddResult:
    """Insert new entries (skipping hashes the bank already holds) and bump the bank version.

    parents[i], when given, is the PDQ value of the entry that entries[i] is a near copy of;
    originals go in first so their variants can point at them.
    """
    result = AddResult()
    parent_of = dict(zip(map(id, entries), parents, strict=False))
    exact = [e for e in entries if e.signal_type != SignalType.VPDQ]
    existing: set[tuple[str, str]] = set()
    values = [e.value for e in exact]
    for start in range(0, len(values), 500):
        existing.update(
            BankEntry.objects.filter(bank=bank, value__in=values[start : start + 500])
            .exclude(signal_type=SignalType.VPDQ)
            .values_list("signal_type", "value")
        )
    seen: set[tuple[str, str]] = set()
    fresh: list[BankEntry] = []
    derived: list[BankEntry] = []
    for e in entries:
        key = (e.signal_type, e.value)
        if e.signal_type != SignalType.VPDQ and (key in existing or key in seen):
            result.duplicates += 1
            continue
        seen.add(key)
        e.bank = bank
        (derived if parent_of.get(id(e)) else fresh).append(e)
    created = BankEntry.objects.bulk_create(fresh, batch_size=1000)
    if derived:
        created += _insert_variants(bank, derived, parent_of)
    result.added = len(created)
    result.variants = sum(e.variant_of_id is not None for e in created)
    result.entry_ids = [e.pk for e in created if e.pk is not None]
    if created:
        changes.log_added(bank, created)
        _bump(bank)
    return result


def _insert_variants(
    bank: Bank, variants: list[BankEntry], parent_of: dict[int, str]
) -> list[BankEntry]:
    """Insert near copies pointing at their original's entry; drop those without one."""
    wanted = {parent_of[id(e)] for e in variants}
    originals = dict(
        BankEntry.objects.filter(
            bank=bank, signal_type=SignalType.PDQ, variant_of__isnull=True, value__in=wanted
        ).values_list("value", "pk")
    )
    kept = []
    for e in variants:
        e.variant_of_id = originals.get(parent_of[id(e)])
        if e.variant_of_id is not None:
            kept.append(e)
    return BankEntry.objects.bulk_create(kept, batch_size=1000)


def near_copy_rows(*, pdq: str, near: Iterable[NearCopy], note: str = "") -> list[HashRow]:
    """Bank rows for the near copies (crops, rotations) of media whose PDQ hash is `pdq`."""
    rows = []
    for copy in near:
        label = f"near copy ({copy.edit})" + (f" of {note}" if note else "")
        rows.append(
            HashRow(SignalType.PDQ, copy.pdq, label[:500], quality=copy.quality, variant_of=pdq)
        )
    return rows


def entries_from_media(hashes: MediaHashes, *, note: str = "") -> list[HashRow]:
    """The bank rows that stand for one hashed media item: exact hashes, PDQ or vPDQ, and the
    PDQ hashes of its near copies when they were computed."""
    rows = [
        HashRow(SignalType.MD5, hashes.md5, note),
        HashRow(SignalType.SHA256, hashes.sha256, note),
    ]
    if hashes.pdq is not None:
        rows.append(HashRow(SignalType.PDQ, hashes.pdq, note, quality=hashes.pdq_quality))
        whole = hashes.whole_frame()
        # Both the border-trimmed hash and the whole frame's (a variant of it, left out of
        # exports like near copies), so a scan's trimmed and whole hashes meet both.
        extra = (whole,) if whole is not None and whole.pdq != hashes.pdq else ()
        rows += near_copy_rows(pdq=hashes.pdq, near=(*extra, *hashes.pdq_near), note=note)
    if hashes.vpdq:
        frames = [Frame(f.second, f.pdq, f.quality) for f in hashes.vpdq]
        rows.append(HashRow(SignalType.VPDQ, frames_to_value(frames), note))
    return rows


def add_media(
    *, bank_name: str, data: bytes, actor: Actor, note: str = "", reason: str = ""
) -> AddResult:
    """Hash media (video densely, every frame) and add its hashes, with its near copies'; the
    bytes are not kept."""
    # Refuse before the costly hashing.
    _refuse_early(bank_name, actor=actor, reason=reason)
    try:
        hashes = hash_media(data, frames_per_second=None, near_copies=True)  # in a child
    except MediaError as exc:
        raise refusal(exc) from None
    return add_hashes(
        bank_name=bank_name,
        rows=entries_from_media(hashes, note=note),
        actor=actor,
        source=EntrySource.MEDIA,
        reason=reason,
    )


def parse_csv(text: str) -> list[HashRow]:
    """Rows of a `signal_type,value[,note]` list; a header line and blank lines are skipped."""
    rows = []
    for record in csv.reader(io.StringIO(text)):
        if not record or all(not cell.strip() for cell in record):
            continue
        if [c.strip().lower() for c in record[:2]] == ["signal_type", "value"]:
            continue
        signal_type = record[0]
        value = record[1] if len(record) > 1 else ""
        note = record[2] if len(record) > 2 else ""
        rows.append(HashRow(signal_type, value, note))
    return rows


def import_csv(*, bank_name: str, text: str, actor: Actor, reason: str = "") -> AddResult:
    """Import a CSV hash list into a bank (all or nothing)."""
    _refuse_early(bank_name, actor=actor, reason=reason)
    try:
        rows = parse_csv(text)
    except csv.Error as exc:
        raise Invalid("invalid_csv", f"The file is not valid CSV: {exc}.") from None
    return add_hashes(
        bank_name=bank_name, rows=rows, actor=actor, source=EntrySource.IMPORT, reason=reason
    )


def _hashes_handed_out(*, bank: Bank, actor: Actor, reason: str, action: BankEvent) -> None:
    """Refuse, or let the bank's hashes out (auditing it when the bank is protected)."""
    protected, reason = guard.check_read_hashes(bank=bank, actor=actor, reason=reason)
    if protected:
        audit.record(
            actor=actor,
            action=action,
            subject_type="bank",
            subject_id=bank.pk,
            data={"name": bank.name, "reason": reason},
        )


def export_csv(
    *, bank_name: str, actor: Actor, include_disabled: bool = False, reason: str = ""
) -> Iterator[str]:
    """The bank's entries as CSV lines in the import format, header first.

    Near copies are left out: they are our own guesses at edits of the banked media, not
    hashes of anything seen, and whoever imports the list derives what suits their matcher.
    """
    require(actor, VIEW_BANKS)
    bank = get_bank(bank_name)
    with transaction.atomic():
        _hashes_handed_out(bank=bank, actor=actor, reason=reason, action=BankEvent.EXPORTED)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    yield buf.getvalue()
    qs = bank.entries.filter(variant_of__isnull=True).order_by("id")
    if not include_disabled:
        qs = qs.filter(enabled=True)
    for signal_type, value, note in qs.values_list("signal_type", "value", "note").iterator(
        chunk_size=2000
    ):
        buf.seek(0)
        buf.truncate()
        writer.writerow((signal_type, value, note))
        yield buf.getvalue()


def list_entries(
    *, bank_name: str, actor: Actor, after_id: int = 0, limit: int = 100, reason: str = ""
) -> list[BankEntry]:
    """A page of a bank's entries in id order."""
    require(actor, VIEW_BANKS)
    bank = get_bank(bank_name)
    with transaction.atomic():
        _hashes_handed_out(bank=bank, actor=actor, reason=reason, action=BankEvent.ENTRIES_READ)
        page = bank.entries.filter(id__gt=after_id).order_by("id")[: max(1, min(limit, 1000))]
        return list(page)


def set_entry_enabled(
    *, bank_name: str, entry_id: int, enabled: bool, actor: Actor, reason: str = ""
) -> BankEntry:
    """Enable or disable one entry; a disabled entry stays in the bank but never matches."""
    _refuse_early(bank_name, actor=actor, reason=reason)
    with transaction.atomic():
        bank = get_bank(bank_name, for_update=True)
        reason = guard.check_change(bank=bank, actor=actor, reason=reason)
        entry = BankEntry.objects.filter(pk=entry_id, bank=bank).first()
        if entry is None:
            raise NotFound("entry_not_found", f"Bank {bank_name!r} has no entry {entry_id}.")
        if entry.enabled != enabled:
            entry.enabled = enabled
            entry.save(update_fields=["enabled"])
            variants = list(entry.variants.exclude(enabled=enabled))
            entry.variants.update(enabled=enabled)  # its near copies go with it
            if enabled:
                changes.log_added(bank, [entry, *variants])
            else:
                changes.log_withdrawn(bank, [(e.pk, e.signal_type) for e in (entry, *variants)])
            _bump(bank)
            audit.record(
                actor=actor,
                action=BankEvent.ENTRY_ENABLED if enabled else BankEvent.ENTRY_DISABLED,
                subject_type="bank_entry",
                subject_id=entry.pk,
                data=_with_reason({"bank": bank.name, "signal_type": entry.signal_type}, reason),
            )
    return entry


def remove_entries(
    *,
    bank_name: str,
    actor: Actor,
    entry_ids: Iterable[int] = (),
    external_id: str = "",
    reason: str = "",
) -> int:
    """Delete entries by id, or every entry that came from one exchange case (a withdrawal)."""
    _refuse_early(bank_name, actor=actor, reason=reason)
    ids = set(entry_ids)
    if not ids and not external_id:
        raise Invalid("nothing_to_remove", "Name entry ids or an external id to remove.")
    with transaction.atomic():
        bank = get_bank(bank_name, for_update=True)
        reason = guard.check_change(bank=bank, actor=actor, reason=reason)
        cond = Q(pk__in=ids) if ids else Q(external_id=external_id)
        doomed = list(bank.entries.filter(cond).values_list("pk", flat=True))
        missing = sorted(ids - set(doomed))
        if missing:
            raise NotFound("entry_not_found", f"Bank {bank_name!r} has no entry {missing[0]}.")
        # An entry's near copies go with it (the foreign key cascades; count them too).
        doomed += (
            BankEntry.objects.filter(variant_of__in=doomed)
            .exclude(pk__in=doomed)
            .values_list("pk", flat=True)
        )
        if doomed:
            gone = BankEntry.objects.filter(pk__in=doomed)
            changes.log_withdrawn(bank, list(gone.values_list("pk", "signal_type")))
            gone.delete()
            _bump(bank)
            audit.record(
                actor=actor,
                action=BankEvent.ENTRIES_REMOVED,
                subject_type="bank",
                subject_id=bank.pk,
                data=_with_reason(
                    {
                        "name": bank.name,
                        "removed": len(doomed),
                        "entry_ids": doomed[:1000],
                        "external_id": external_id,
                    },
                    reason,
                ),
            )
    return len(doomed)
