"""Exact in-memory index of 256-bit PDQ hashes: flat scan for small banks, MIH above.

Large path (Norouzi et al., multi-index hashing): the 256 bits are cut into ``m`` disjoint
substrings of ``b`` bits. By pigeonhole, an entry within Hamming distance ``r`` of a query
agrees with it within ``r // m`` bits on at least one substring, so probing every key within
``r // m`` bit flips of each query substring finds every candidate; candidates are then
verified with an exact popcount. Each substring is a direct-address table (``2**b + 1``
uint32 offsets) over a uint32 permutation of the entries, so a probe costs two array reads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from math import comb
from typing import Literal

import faiss
import numpy as np
import numpy.typing as npt

BITS = 256
FLAT_MAX = 50_000  # at or below this many entries a faiss flat scan is fastest
_FLAT_NS_PER_PAIR = 0.5  # measured costs (2-core box, faiss on both cores) that pick flat vs MIH
_PROBE_NS = 30.0
_CANDIDATE_NS = 20.0
_CHUNK_PROBES = 1 << 21  # bounds the temporary arrays of one MIH pass

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Match:
    """One index entry within the radius of one query row."""

    query: int
    id: int
    distance: int


def hex_to_array(hex_hashes: Sequence[str]) -> U8:
    """Convert 64-hex-digit PDQ hashes to an (N, 32) uint8 array."""
    if len(hex_hashes) == 0:
        return np.zeros((0, 32), dtype=np.uint8)
    joined = "".join(hex_hashes)
    if len(joined) != 64 * len(hex_hashes) or any(len(h) != 64 for h in hex_hashes):
        raise ValueError("PDQ hashes must be 64 hex digits")
    return np.frombuffer(bytes.fromhex(joined), dtype=np.uint8).reshape(-1, 32).copy()


def _probe_cost_ns(n: int, b: int, radius: int) -> float:
    """Modelled cost of one query's probes and (uniform-data) candidates with b-bit substrings."""
    m = BITS // b
    probes = m * sum(comb(b, k) for k in range(min(radius // m, b) + 1))
    return probes * (_PROBE_NS + _CANDIDATE_NS * n / 2**b)


def default_bits(n: int, radius: int = 31) -> int:
    """Substring length with the lowest modelled cost whose tables take <= 48 bytes per entry."""
    fits = [b for b in range(16, 24) if b == 16 or (BITS // b) * 4 << b <= 48 * n]
    return min(fits, key=lambda b: _probe_cost_ns(n, b, radius))


@cache
def _flip_masks(b: int, t: int) -> U32:
    """All b-bit masks with at most t bits set, lowest popcount first."""
    masks = [0]
    for k in range(1, min(t, b) + 1):
        masks.extend(sum(1 << i for i in c) for c in combinations(range(b), k))
    return np.array(masks, dtype=np.uint32)


def _substring_keys(codes: U8, start: int, b: int) -> U32:
    """The b-bit big-endian substring starting at bit ``start`` of each row, as uint32."""
    first = start // 8
    cols = codes[:, first : first + 5].astype(np.uint64)
    acc = np.zeros(len(codes), dtype=np.uint64)
    for i in range(5):
        acc <<= np.uint64(8)
        if i < cols.shape[1]:
            acc |= cols[:, i]
    shift = np.uint64(40 - start % 8 - b)
    return ((acc >> shift) & np.uint64((1 << b) - 1)).astype(np.uint32)


class _MultiIndex:
    """Direct-address multi-index hashing tables over m substrings of b bits."""

    def __init__(self, codes: U8, bits: int) -> None:
        self.b = bits
        self.m = BITS // bits
        n = len(codes)
        size = (1 << bits) + 1
        self.offsets = np.empty((self.m, size), dtype=np.uint32)
        self.perm = np.empty((self.m, n), dtype=np.uint32)
        for j in range(self.m):
            keys = _substring_keys(codes, j * bits, bits)
            self.perm[j] = np.argsort(keys)
            self.offsets[j, 0] = 0
            np.cumsum(np.bincount(keys, minlength=size - 1), out=self.offsets[j, 1:])
        self.n = n

    def candidates(self, queries: U8, radius: int) -> tuple[I64, I64]:
        """(query row, entry row) pairs sharing a substring within radius // m bits, by query."""
        masks = _flip_masks(self.b, radius // self.m)
        nbits = self.m * self.b
        bits = np.unpackbits(queries, axis=1)[:, :nbits].reshape(-1, self.m, self.b)
        qkeys = bits.astype(np.uint32) @ (
            np.uint32(1) << np.arange(self.b - 1, -1, -1, dtype=np.uint32)
        )
        size = self.offsets.shape[1]
        base = np.arange(self.m, dtype=np.int64)[None, :, None] * size
        idx = (qkeys[:, :, None] ^ masks).astype(np.int64) + base
        lo = np.take(self.offsets, idx).astype(np.int64)
        cnt = np.take(self.offsets, idx + 1).astype(np.int64) - lo
        hit = np.flatnonzero(cnt)
        cnt = np.take(cnt, hit)
        qrow = hit // (self.m * len(masks))
        starts = np.take(lo, hit) + (hit // len(masks)) % self.m * self.n
        ends = np.cumsum(cnt)
        pos = np.repeat(starts - ends + cnt, cnt) + np.arange(int(ends[-1]) if len(ends) else 0)
        return np.repeat(qrow, cnt), np.take(self.perm, pos).astype(np.int64)

    @classmethod
    def from_tables(cls, offsets: U32, perm: U32, bits: int) -> _MultiIndex:
        """Tables built before (read from a snapshot, possibly memory-mapped), not rebuilt."""
        mih = cls.__new__(cls)
        mih.b, mih.m = bits, BITS // bits
        if offsets.shape != (mih.m, (1 << bits) + 1) or perm.shape[0] != mih.m:
            raise ValueError("multi-index tables do not fit their substring length")
        mih.offsets, mih.perm, mih.n = offsets, perm, int(perm.shape[1])
        return mih

    def nbytes(self) -> int:
        """Bytes held by the tables."""
        return int(self.offsets.nbytes + self.perm.nbytes)


class PdqIndex:
    """Immutable in-memory index of 256-bit PDQ hashes with int64 ids."""

    def __init__(
        self,
        hashes: U8,
        ids: I64,
        *,
        flat_max: int = FLAT_MAX,
        bits: int | None = None,
        mode: Literal["auto", "flat", "mih"] = "auto",
    ) -> None:
        """Build from (N, 32) uint8 hashes and (N,) int64 ids; MIH tables only above flat_max.

        mode "auto" picks flat or MIH per search by modelled cost; "flat"/"mih" force a path.
        """
        hashes = np.ascontiguousarray(hashes, dtype=np.uint8)
        if hashes.ndim != 2 or hashes.shape[1] != 32:
            raise ValueError("hashes must have shape (N, 32)")
        self._ids = np.array(ids, dtype=np.int64).reshape(-1)
        if len(self._ids) != len(hashes):
            raise ValueError("hashes and ids differ in length")
        n = len(hashes)
        self._flat_lock = threading.Lock()
        self._flat_copied = False  # the hashes live in the faiss index itself
        self._flat: faiss.IndexBinaryFlat | None = faiss.IndexBinaryFlat(BITS)
        if n:
            self._flat.add(hashes)
            codes = self._flat.xb.data()  # type: ignore[attr-defined]
            self._codes = faiss.rev_swig_ptr(codes, n * 32).reshape(n, 32)
        else:
            self._codes = hashes
        self._words = self._codes.view(np.uint64)
        self._mode = mode
        use_mih = mode == "mih" or (mode == "auto" and n > flat_max)
        self._mih = _MultiIndex(self._codes, bits or default_bits(n)) if use_mih else None

    @classmethod
    def from_arrays(
        cls,
        hashes: U8,
        ids: I64,
        *,
        offsets: U32 | None = None,
        perm: U32 | None = None,
        bits: int = 0,
    ) -> PdqIndex:
        """An index over arrays built before (a snapshot's, possibly memory-mapped).

        With MIH tables, nothing is copied or rebuilt: a serving process maps one file that
        every process on the machine shares through the page cache. The faiss flat copy of
        the hashes is then made only if a search ever takes the flat path (a wide radius).
        """
        if offsets is None or perm is None:
            return cls(hashes, ids, mode="flat")
        if hashes.ndim != 2 or hashes.shape[1] != 32 or len(ids) != len(hashes):
            raise ValueError("hashes must have shape (N, 32), one id each")
        index = cls.__new__(cls)
        index._ids = ids
        index._codes = hashes
        index._words = hashes.view(np.uint64)
        index._mode = "auto"
        index._flat_lock = threading.Lock()
        index._flat = None
        index._flat_copied = False
        index._mih = _MultiIndex.from_tables(offsets, perm, bits)
        if index._mih.n != len(ids):
            raise ValueError("multi-index tables and ids differ in length")
        return index

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """What a snapshot stores to rebuild this index without recomputing anything."""
        out: dict[str, npt.NDArray[np.generic]] = {"hashes": self._codes, "ids": self._ids}
        if self._mih is not None:
            out["mih_offsets"] = self._mih.offsets
            out["mih_perm"] = self._mih.perm
            out["mih_bits"] = np.array([self._mih.b], dtype=np.int64)
        return out

    def ids(self) -> I64:
        """The entries' ids, in row order."""
        return self._ids

    def hashes(self) -> U8:
        """The entries' hashes, in row order."""
        return self._codes

    def _flat_index(self) -> faiss.IndexBinaryFlat:
        """The faiss flat index, made on first use for an index read from a snapshot."""
        if self._flat is None:
            with self._flat_lock:
                if self._flat is None:
                    flat = faiss.IndexBinaryFlat(BITS)
                    flat.add(np.ascontiguousarray(self._codes))
                    self._flat, self._flat_copied = flat, True
        return self._flat

    @classmethod
    def from_hex(cls, hex_hashes: Sequence[str], ids: Sequence[int]) -> PdqIndex:
        """Build from hex PDQ strings and their ids."""
        return cls(hex_to_array(hex_hashes), np.asarray(ids, dtype=np.int64))

    def __len__(self) -> int:
        """Number of entries."""
        return len(self._ids)

    def memory_bytes(self) -> int:
        """Bytes held by hashes, ids and tables."""
        tables = self._mih.nbytes() if self._mih else 0
        flat = len(self) * 32 if self._flat_copied else 0
        return int(self._codes.nbytes + self._ids.nbytes + tables + flat)

    def search(self, queries: U8, radius: int) -> list[Match]:
        """Every (query row, entry) pair within Hamming distance <= radius, exactly once."""
        queries = np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, 32)
        if not len(self) or not len(queries) or radius < 0:
            return []
        if self._use_flat(radius):
            return self._search_flat(queries, radius)
        assert self._mih is not None
        mih = self._mih
        per_query = mih.m * len(_flip_masks(mih.b, radius // mih.m))
        step = max(1, _CHUNK_PROBES // per_query)
        parts = []
        for s in range(0, len(queries), step):
            qrow, cand = mih.candidates(queries[s : s + step], radius)
            dist = self._distances(queries[s : s + step], qrow, cand)
            keep = np.flatnonzero(dist <= radius)
            parts.append((qrow[keep] + s, cand[keep], dist[keep]))
        qrow, cand, dist = (np.concatenate(p) for p in zip(*parts, strict=True))
        _, first = np.unique(qrow * len(self) + cand, return_index=True)
        return self._matches(qrow[first], cand[first], dist[first])

    def _distances(self, queries: U8, qrow: I64, cand: I64) -> I64:
        """Hamming distance of entry cand[i] to query qrow[i]; qrow must be sorted."""
        words = np.take(self._words, cand, axis=0)
        qwords = queries.view(np.uint64)
        bounds = np.searchsorted(qrow, np.arange(len(queries) + 1))
        for q in np.flatnonzero(np.diff(bounds)):
            seg = words[bounds[q] : bounds[q + 1]]
            np.bitwise_xor(seg, qwords[q], out=seg)
        pop = np.bitwise_count(words)
        return (pop[:, 0] + pop[:, 1]).astype(np.int64) + (pop[:, 2] + pop[:, 3])

    def _use_flat(self, radius: int) -> bool:
        if self._mih is None or self._mode == "mih":
            return self._mih is None
        mih_ns = _probe_cost_ns(len(self), self._mih.b, radius)
        return len(self) * _FLAT_NS_PER_PAIR < mih_ns

    def _search_flat(self, queries: U8, radius: int) -> list[Match]:
        lims, dist, rows = self._flat_index().range_search(queries, radius + 1)
        qrow = np.repeat(np.arange(len(queries), dtype=np.int64), np.diff(lims.astype(np.int64)))
        return self._matches(qrow, rows.astype(np.int64), dist.astype(np.int64))

    def _matches(self, qrow: I64, rows: I64, dist: I64) -> list[Match]:
        ids = self._ids[rows]
        order = np.lexsort((ids, dist, qrow))
        cols = (qrow[order].tolist(), ids[order].tolist(), dist[order].tolist())
        return [Match(q, i, d) for q, i, d in zip(*cols, strict=True)]
