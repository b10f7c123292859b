"""The one PDQ hash-index facility: bank matching, case clustering and (next) stored media.

A `HashIndex` is immutable: a large *base* (built once, or loaded from a snapshot) plus a
small *side* index of entries added since and a set of *tombstones* (entries withdrawn since).
`apply` returns a new index with more changes, so a thread that holds the old one keeps
matching on it while another swaps in the new. Every search goes through one method,
`search`, whatever the backend: today's CPU backend (`PdqIndex`: faiss flat for small sets,
multi-index hashing above) is registered as "cpu", and another (a GPU one) can be
registered with `register_backend` without touching callers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, overload

import numpy as np

from shieldwall.matching.index import I64, U8, Match, PdqIndex, hex_to_array
from shieldwall.media import dihedral_from_hash

# The quality below which a PDQ hash says too little to match on. The distance at or below
# which two hashes are taken for the same picture is the banks' default (a bank may set its own).
MIN_PDQ_QUALITY = 50


class SearchBackend(Protocol):
    """What an index backend offers: exact radius search over (N, 32) uint8 PDQ hashes."""

    def __len__(self) -> int: ...

    def search(self, queries: U8, radius: int) -> list[Match]: ...

    def memory_bytes(self) -> int: ...

    def ids(self) -> I64: ...

    def hashes(self) -> U8: ...


BackendFactory = Callable[[U8, I64], SearchBackend]
_BACKENDS: dict[str, BackendFactory] = {"cpu": PdqIndex}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make another backend (a GPU one) available by name."""
    _BACKENDS[name] = factory


def build_backend(hashes: U8, ids: I64, *, backend: str = "cpu") -> SearchBackend:
    """A backend over these hashes; unknown names are refused, not silently replaced."""
    try:
        factory = _BACKENDS[backend]
    except KeyError:
        raise ValueError(f"no index backend is named {backend!r}") from None
    return factory(hashes, ids)


def is_usable(quality: int | None) -> bool:
    """Whether a PDQ hash of this quality is matched on (an unknown quality is)."""
    return quality is None or quality >= MIN_PDQ_QUALITY


def dihedral_queries(pdq: str) -> U8:
    """The eight turns and flips of one PDQ hash, as query rows."""
    return hex_to_array(list(dihedral_from_hash(pdq)))


@dataclass(frozen=True)
class Change:
    """One entry added (with its hash) or withdrawn, in the order they happened."""

    entry_id: int
    added: bool
    pdq: bytes = b""  # 32 bytes, for an addition
    variant_of: int | None = None


class VariantMap:
    """Which entry each near copy was made from: sorted arrays (shareable, mapped from a
    snapshot) with a small dict of later additions on top. Looks like a read-only dict."""

    def __init__(
        self,
        variants: I64 | None = None,
        originals: I64 | None = None,
        extra: Mapping[int, int] | None = None,
    ) -> None:
        empty = np.zeros(0, dtype=np.int64)
        self._variants = empty if variants is None else variants
        self._originals = empty if originals is None else originals
        self._extra = dict(extra or {})

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[int, int]]) -> VariantMap:
        """From (near copy id, original id) pairs."""
        items = sorted(pairs)
        arr = np.array(items, dtype=np.int64).reshape(-1, 2)
        return cls(np.ascontiguousarray(arr[:, 0]), np.ascontiguousarray(arr[:, 1]))

    @overload
    def get(self, entry_id: int) -> int | None: ...

    @overload
    def get(self, entry_id: int, default: int) -> int: ...

    def get(self, entry_id: int, default: int | None = None) -> int | None:
        """The original of this near copy, or default when it is no near copy."""
        if entry_id in self._extra:
            return self._extra[entry_id]
        at = int(np.searchsorted(self._variants, entry_id))
        if at < len(self._variants) and int(self._variants[at]) == entry_id:
            return int(self._originals[at])
        return default

    def with_extra(self, extra: Mapping[int, int]) -> VariantMap:
        """This map with more (near copy, original) pairs."""
        return VariantMap(self._variants, self._originals, {**self._extra, **extra})

    def arrays(self) -> tuple[I64, I64]:
        """Every pair, merged and sorted by near copy id."""
        pairs = dict(zip(self._variants.tolist(), self._originals.tolist(), strict=True))
        pairs.update(self._extra)
        merged = VariantMap.from_pairs(pairs.items())
        return merged._variants, merged._originals

    def __len__(self) -> int:
        return len(self._variants) + len(self._extra)


class HashIndex:
    """A base index, the entries added since (side) and those withdrawn since (tombstones)."""

    def __init__(
        self,
        base: SearchBackend,
        *,
        variants: VariantMap | None = None,
        side: Mapping[int, bytes] | None = None,
        tombstones: frozenset[int] = frozenset(),
    ) -> None:
        self.base = base
        self.variants = variants or VariantMap()
        self._side = dict(side or {})
        self.tombstones = tombstones
        ids = np.fromiter(self._side, dtype=np.int64, count=len(self._side))
        codes = np.frombuffer(b"".join(self._side.values()), dtype=np.uint8).reshape(-1, 32)
        self._side_index = PdqIndex(codes.copy(), ids, mode="flat")

    @classmethod
    def build(
        cls,
        hashes: U8,
        ids: I64,
        *,
        variant_of: Iterable[tuple[int, int]] = (),
        backend: str = "cpu",
    ) -> HashIndex:
        """A fresh index with everything in its base."""
        base = build_backend(hashes, ids, backend=backend)
        return cls(base, variants=VariantMap.from_pairs(variant_of))

    @classmethod
    def from_hex(cls, hex_hashes: Sequence[str], ids: Sequence[int]) -> HashIndex:
        """A fresh index from hex PDQ strings and their ids."""
        return cls.build(hex_to_array(hex_hashes), np.asarray(ids, dtype=np.int64))

    def __len__(self) -> int:
        """Entries in base and side (tombstoned base entries still count until compaction)."""
        return len(self.base) + len(self._side)

    @property
    def side_size(self) -> int:
        """Changes held beside the base: additions plus tombstones."""
        return len(self._side) + len(self.tombstones)

    def memory_bytes(self) -> int:
        """Bytes the backend and the side hold (mapped snapshot pages count in full)."""
        return self.base.memory_bytes() + self._side_index.memory_bytes()

    def search(self, queries: U8, radius: int) -> list[Match]:
        """Every (query row, live entry) pair within Hamming distance radius, exactly once,
        ordered by query row, distance, id."""
        found = [m for m in self.base.search(queries, radius) if m.id not in self.tombstones]
        if not self._side:
            return found
        best: dict[tuple[int, int], int] = {(m.query, m.id): m.distance for m in found}
        for m in self._side_index.search(queries, radius):
            best[(m.query, m.id)] = min(m.distance, best.get((m.query, m.id), 257))
        return sorted(
            (Match(q, i, d) for (q, i), d in best.items()),
            key=lambda m: (m.query, m.distance, m.id),
        )

    def search_pdq(self, pdq: str, radius: int) -> list[Match]:
        """Entries within radius of any of the eight turns and flips of one hash."""
        return self.search(dihedral_queries(pdq), radius)

    def apply(self, changes: Iterable[Change]) -> HashIndex:
        """A new index with these changes replayed in order; this one is left as it was."""
        side = dict(self._side)
        tombstones = set(self.tombstones)
        extra: dict[int, int] = {}
        for c in changes:
            if c.added:
                if len(c.pdq) != 32:
                    raise ValueError("an added entry needs its 32-byte PDQ hash")
                tombstones.discard(c.entry_id)
                side[c.entry_id] = c.pdq
                if c.variant_of is not None:
                    extra[c.entry_id] = c.variant_of
            else:
                side.pop(c.entry_id, None)
                tombstones.add(c.entry_id)
        variants = self.variants.with_extra(extra) if extra else self.variants
        return HashIndex(self.base, variants=variants, side=side, tombstones=frozenset(tombstones))

    def live(self) -> tuple[U8, I64]:
        """The hashes and ids of every live entry (base minus tombstones, plus side): what a
        compaction puts into the next base."""
        ids = self.base.ids()
        keep = ~np.isin(ids, np.fromiter(self.tombstones | self._side.keys(), dtype=np.int64))
        side_ids = np.fromiter(self._side, dtype=np.int64, count=len(self._side))
        side_codes = np.frombuffer(b"".join(self._side.values()), dtype=np.uint8)
        hashes = np.concatenate([self.base.hashes()[keep], side_codes.reshape(-1, 32)])
        return hashes, np.concatenate([ids[keep], side_ids])

    def compacted(self, *, backend: str = "cpu") -> HashIndex:
        """The same live entries, all in a new base (no side, no tombstones)."""
        hashes, ids = self.live()
        variants, originals = self.variants.arrays()
        alive = np.isin(variants, ids)
        base = build_backend(hashes, ids, backend=backend)
        return HashIndex(base, variants=VariantMap(variants[alive], originals[alive]))
