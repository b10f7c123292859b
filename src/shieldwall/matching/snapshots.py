"""Bank index snapshots: built once by the worker, mapped by every serving process.

A snapshot file holds a bank's live PDQ hashes, their ids, the near-copy map and the
multi-index tables, each as a raw array at a page-aligned offset, so a process maps it
(`np.memmap`) instead of rebuilding: pages are shared by every process on the machine. It
covers the bank's change log (`BankEntryChange`) up to its watermark; a process replays the
changes after. Files are written to a temporary name and renamed, and checked on load
against the checksum (SHA-256, see `file_checksum`) the database row keeps: a file that
fails is not used (the caller builds from the database instead, and says so in the log).

The worker's part is `compact_due_snapshots()`: one round that writes a new snapshot for
each bank that has none, or whose changes since have grown past a size or an age, and
prunes old files.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import secrets
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
import numpy.typing as npt
import structlog
from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from shieldwall.banks.models import Bank, BankEntry, BankEntryChange, EntryChangeOp, SignalType
from shieldwall.matching.hashindex import Change, HashIndex, VariantMap, is_usable
from shieldwall.matching.index import PdqIndex, hex_to_array
from shieldwall.matching.models import IndexSnapshot

log = structlog.get_logger(__name__)
T = TypeVar("T", bound=np.generic)

MAGIC = b"SWPDQIX\n"
FORMAT_VERSION = 1
_PAGE = 4096
_PIECE = 64 << 20  # bytes per piece of the checksum
_PREFIX = struct.Struct("<8sII")  # magic, format version, header length
# A new snapshot once this many changes wait beside the last one, or the oldest waiting
# change is this old; the two newest snapshots of a bank are kept (a process may be
# mapping the older one while it switches).
SIDE_MAX_CHANGES = 20_000
SIDE_MAX_AGE = timedelta(minutes=10)
KEEP_SNAPSHOTS = 2
# Change-log rows older than this and covered by every kept snapshot are dropped.
CHANGE_LOG_RETENTION = timedelta(days=1)
ORPHAN_AGE_SECONDS = 3600.0


class SnapshotError(Exception):
    """A snapshot file that cannot be used: missing, truncated, altered, or of another format."""


@dataclass(frozen=True)
class LoadedBank:
    """A bank's PDQ index as of a watermark, and where it came from."""

    index: HashIndex
    watermark: int
    snapshot: IndexSnapshot | None = None


def index_dir() -> Path:
    """Where snapshot files live (SHIELDWALL_INDEX_DIR)."""
    configured = Path(settings.SHIELDWALL.index_dir)
    return configured if str(configured) != "." else Path(settings.SHIELDWALL.home) / "index"


# --- reading from the database --------------------------------------------------------


def last_change_id(bank_id: int) -> int:
    """The bank's newest change id (0 when it has none)."""
    last = BankEntryChange.objects.filter(bank_id=bank_id).aggregate(m=Max("id"))["m"]
    return int(last or 0)


def read_bank(bank_id: int) -> LoadedBank:
    """Build a bank's PDQ index from its enabled entries, with the watermark it covers.

    The watermark is read first: entries then read reflect at least every change up to it,
    and replaying later changes over them is harmless (an addition already present is
    deduplicated, a withdrawal of an absent entry is a no-op tombstone).
    """
    watermark = last_change_id(bank_id)
    rows = BankEntry.objects.filter(
        bank_id=bank_id, enabled=True, signal_type=SignalType.PDQ
    ).values_list("id", "value", "quality", "variant_of_id")
    ids: list[int] = []
    hexes: list[str] = []
    pairs: list[tuple[int, int]] = []
    for entry_id, value, quality, original in rows.iterator(chunk_size=20000):
        if is_usable(quality):
            ids.append(entry_id)
            hexes.append(value)
            if original is not None:
                pairs.append((entry_id, original))
    index = HashIndex.build(hex_to_array(hexes), np.asarray(ids, dtype=np.int64), variant_of=pairs)
    return LoadedBank(index, watermark)


@dataclass(frozen=True)
class ChangeBatch:
    """Changes of one bank after a watermark: the PDQ ones to replay, and whether any
    touched a video (videos are few and reloaded whole)."""

    pdq: list[Change]
    video_changed: bool
    last_id: int


def changes_after(bank_id: int, after: int) -> ChangeBatch:
    """The bank's changes with an id above `after`, in order."""
    rows = (
        BankEntryChange.objects.filter(bank_id=bank_id, id__gt=after)
        .order_by("id")
        .values_list("id", "entry_id", "op", "signal_type", "value", "quality", "variant_of_id")
    )
    pdq: list[Change] = []
    video = False
    last = after
    for cid, entry_id, op, signal_type, value, quality, original in rows.iterator(chunk_size=5000):
        last = cid
        if signal_type == SignalType.VPDQ:
            video = True
        elif op == EntryChangeOp.WITHDRAW:
            pdq.append(Change(entry_id, added=False))
        elif is_usable(quality):
            pdq.append(Change(entry_id, True, bytes.fromhex(value), original))
    return ChangeBatch(pdq, video, last)


# --- the file format --------------------------------------------------------------------


def _arrays_of(index: HashIndex) -> dict[str, npt.NDArray[np.generic]]:
    base = index.base
    if not isinstance(base, PdqIndex):
        raise TypeError("only the CPU backend is written to snapshots")
    variants, originals = index.variants.arrays()
    return {**base.arrays(), "variant_ids": variants, "variant_originals": originals}


def write_snapshot_file(
    directory: Path, name: str, index: HashIndex, meta: dict[str, object]
) -> tuple[int, str]:
    """Write a compacted index to directory/name atomically; its size and checksum."""
    arrays = _arrays_of(index)
    layout: list[dict[str, object]] = [
        {"name": key, "dtype": arr.dtype.str, "shape": list(arr.shape)}
        for key, arr in arrays.items()
    ]
    start = _PAGE
    while True:  # the header names every array's offset, which depends on its length
        offset = start
        for entry, arr in zip(layout, arrays.values(), strict=True):
            entry["offset"] = offset
            offset = _align(offset + arr.nbytes)
        header = json.dumps({**meta, "arrays": layout}).encode()
        if _align(_PREFIX.size + len(header)) <= start:
            break
        start = _align(_PREFIX.size + len(header))
    tmp = directory / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "wb") as f:
            written = _put(f, _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header)) + header)
            for entry, arr in zip(layout, arrays.values(), strict=True):
                written += _put(f, b"\0" * (_int(entry["offset"]) - written))
                for chunk in _chunks(np.ascontiguousarray(arr)):
                    written += _put(f, chunk)
            f.flush()
            os.fsync(f.fileno())
        checksum = file_checksum(tmp)
        os.replace(tmp, directory / name)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(directory)
    return written, checksum


def _int(value: object) -> int:
    if not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _align(n: int) -> int:
    return (n + _PAGE - 1) // _PAGE * _PAGE


def _put(f: BinaryIO, data: bytes | memoryview) -> int:
    f.write(data)
    return len(data)


def _chunks(arr: npt.NDArray[np.generic], size: int = 1 << 24) -> list[memoryview]:
    flat = arr.reshape(-1).view(np.uint8).data
    return [flat[i : i + size] for i in range(0, len(flat), size)]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_checksum(path: Path) -> str:
    """SHA-256 over the SHA-256s of the file's 64 MiB pieces, hashed on two threads straight
    from the page cache (hashlib lets go of the GIL): a 10 M-entry snapshot is about 1 GB,
    and every serving process checks it before it matches on it."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            return hashlib.sha256(b"").hexdigest()
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            view = memoryview(mm)
            try:
                pieces = [view[i : i + _PIECE] for i in range(0, size, _PIECE)]
                with ThreadPoolExecutor(max_workers=2) as pool:
                    digests = list(pool.map(lambda b: hashlib.sha256(b).digest(), pieces))
                del pieces
            finally:
                view.release()
    return hashlib.sha256(b"".join(digests)).hexdigest()


def load_snapshot_file(
    path: Path, *, checksum: str, size: int
) -> tuple[HashIndex, dict[str, object]]:
    """Map a snapshot file after checking its size, checksum and format; SnapshotError if not."""
    try:
        actual = path.stat().st_size
    except OSError as exc:
        raise SnapshotError(f"snapshot {path.name} cannot be read: {exc.strerror}") from None
    if actual != size:
        raise SnapshotError(f"snapshot {path.name} is {actual} bytes, not {size}")
    if file_checksum(path) != checksum:
        raise SnapshotError(f"snapshot {path.name} fails its checksum")
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    magic, version, header_len = _PREFIX.unpack(bytes(mm[: _PREFIX.size]))
    if magic != MAGIC or version != FORMAT_VERSION:
        raise SnapshotError(f"snapshot {path.name} is not of format {FORMAT_VERSION}")
    try:
        header = json.loads(bytes(mm[_PREFIX.size : _PREFIX.size + header_len]))
        arrays = {a["name"]: _view(mm, a) for a in header["arrays"]}
        return _index_from(arrays), header
    except (KeyError, ValueError, TypeError) as exc:
        raise SnapshotError(f"snapshot {path.name} is malformed: {exc}") from None


def _view(mm: np.memmap, a: dict[str, object]) -> npt.NDArray[np.generic]:
    dtype = np.dtype(str(a["dtype"]))
    raw_shape = a["shape"]
    if not isinstance(raw_shape, list):
        raise ValueError("an array's shape is not a list")
    shape = tuple(_int(x) for x in raw_shape)
    start = _int(a["offset"])
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if start % _PAGE or start + nbytes > len(mm):
        raise ValueError("an array lies outside the file")
    return mm[start : start + nbytes].view(dtype).reshape(shape)


def _typed(arrays: dict[str, npt.NDArray[np.generic]], name: str, dtype: type[T]) -> npt.NDArray[T]:
    """The named array, refused unless it has the dtype the index needs."""
    arr = arrays[name]
    if arr.dtype != np.dtype(dtype):
        raise ValueError(f"array {name} is {arr.dtype}, not {np.dtype(dtype)}")
    return arr.view(dtype)


def _index_from(arrays: dict[str, npt.NDArray[np.generic]]) -> HashIndex:
    tables = "mih_offsets" in arrays and "mih_perm" in arrays
    base = PdqIndex.from_arrays(
        _typed(arrays, "hashes", np.uint8),
        _typed(arrays, "ids", np.int64),
        offsets=_typed(arrays, "mih_offsets", np.uint32) if tables else None,
        perm=_typed(arrays, "mih_perm", np.uint32) if tables else None,
        bits=int(_typed(arrays, "mih_bits", np.int64)[0]) if tables else 0,
    )
    variants = VariantMap(
        _typed(arrays, "variant_ids", np.int64), _typed(arrays, "variant_originals", np.int64)
    )
    return HashIndex(base, variants=variants)


# --- snapshots as rows ----------------------------------------------------------------


def latest_snapshot(bank_id: int) -> IndexSnapshot | None:
    """The bank's newest snapshot row, if it has one."""
    return IndexSnapshot.objects.filter(bank_id=bank_id).order_by("-id").first()


def load_snapshot(row: IndexSnapshot) -> LoadedBank:
    """Map one snapshot row's file (SnapshotError if it cannot be used)."""
    index, header = load_snapshot_file(
        index_dir() / row.path, checksum=row.checksum, size=row.size_bytes
    )
    if header.get("bank_id") != row.bank_id or header.get("watermark") != row.watermark:
        raise SnapshotError(f"snapshot {row.path} belongs to another bank or watermark")
    return LoadedBank(index, row.watermark, row)


def build_snapshot(bank_id: int) -> IndexSnapshot:
    """Write a new snapshot of one bank: the last one with its changes folded in, or (with
    none usable) the bank read from the database."""
    started = time.monotonic()
    previous = latest_snapshot(bank_id)
    loaded: LoadedBank | None = None
    if previous is not None:
        try:
            loaded = load_snapshot(previous)
        except SnapshotError as exc:
            log.warning("index.snapshot_unusable", bank_id=bank_id, error=str(exc))
    if loaded is not None:
        batch = changes_after(bank_id, loaded.watermark)
        index, watermark = loaded.index.apply(batch.pdq).compacted(), batch.last_id
    else:
        fresh = read_bank(bank_id)
        index, watermark = fresh.index, fresh.watermark
    directory = index_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"bank-{bank_id}-w{watermark}-{secrets.token_hex(4)}.pdqidx"
    meta: dict[str, object] = {"bank_id": bank_id, "watermark": watermark, "entries": len(index)}
    size, checksum = write_snapshot_file(directory, name, index, meta)
    row = IndexSnapshot.objects.create(
        bank_id=bank_id,
        watermark=watermark,
        path=name,
        size_bytes=size,
        entries=len(index),
        checksum=checksum,
        format_version=FORMAT_VERSION,
        build_seconds=round(time.monotonic() - started, 3),
    )
    log.info(
        "index.snapshot_built",
        bank_id=bank_id,
        watermark=watermark,
        entries=len(index),
        bytes=size,
        seconds=row.build_seconds,
        folded=loaded is not None,
    )
    return row


def _due(bank_id: int, now: datetime) -> bool:
    """Whether the bank needs a new snapshot: none yet, or too many or too old changes."""
    latest = latest_snapshot(bank_id)
    if latest is None:
        return True
    pending = BankEntryChange.objects.filter(bank_id=bank_id, id__gt=latest.watermark)
    oldest = pending.aggregate(at=Min("created_at"))["at"]
    if oldest is None:
        return False
    return oldest <= now - SIDE_MAX_AGE or pending.count() >= SIDE_MAX_CHANGES


def prune_snapshots(bank_id: int, *, now: datetime | None = None) -> int:
    """Drop all but the newest snapshots of a bank (rows and files), and change-log rows
    every kept snapshot covers that are older than the retention; how many files went."""
    now = now or timezone.now()
    rows = list(IndexSnapshot.objects.filter(bank_id=bank_id).order_by("-id"))
    kept, old = rows[:KEEP_SNAPSHOTS], rows[KEEP_SNAPSHOTS:]
    for row in old:
        (index_dir() / row.path).unlink(missing_ok=True)
    IndexSnapshot.objects.filter(pk__in=[r.pk for r in old]).delete()
    if len(kept) == KEEP_SNAPSHOTS:
        covered = min(r.watermark for r in kept)
        BankEntryChange.objects.filter(
            bank_id=bank_id, id__lte=covered, created_at__lt=now - CHANGE_LOG_RETENTION
        ).delete()
    return len(old)


def _sweep_orphans() -> int:
    """Remove snapshot files no row names (a deleted bank's, a crashed write's) once old."""
    directory = index_dir()
    if not directory.is_dir():
        return 0
    named = set(IndexSnapshot.objects.values_list("path", flat=True))
    cutoff = time.time() - ORPHAN_AGE_SECONDS
    gone = 0
    for path in directory.iterdir():
        is_ours = path.suffix == ".pdqidx" or path.name.endswith(".tmp")
        if is_ours and path.name not in named and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


def compact_due_snapshots() -> int:
    """One round of the worker's job: snapshot every bank that is due, prune old snapshots;
    the number of snapshots written."""
    now = timezone.now()
    built = 0
    for bank_id in Bank.objects.order_by("id").values_list("id", flat=True):
        if _due(bank_id, now):
            build_snapshot(bank_id)
            built += 1
        prune_snapshots(bank_id, now=now)
    _sweep_orphans()
    return built
