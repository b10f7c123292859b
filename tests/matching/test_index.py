"""PdqIndex is exact: same answers as brute force on both the flat and the multi-index path."""

from __future__ import annotations

import numpy as np
import pytest

from shieldwall.matching.index import Match, PdqIndex, default_bits, hex_to_array


def _flip(row: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    bits = np.unpackbits(row)
    bits[rng.choice(256, k, replace=False)] ^= 1
    return np.packbits(bits)


def _brute(bank: np.ndarray, ids: np.ndarray, queries: np.ndarray, radius: int) -> list[Match]:
    bits = np.unpackbits(bank, axis=1).astype(np.int16)
    out = []
    for q, row in enumerate(np.unpackbits(queries, axis=1).astype(np.int16)):
        dist = np.abs(bits - row).sum(axis=1)
        out += [Match(q, int(ids[i]), int(dist[i])) for i in np.flatnonzero(dist <= radius)]
    return sorted(out, key=lambda m: (m.query, m.distance, m.id))


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random bank with near neighbours of the queries planted at 0, 1, 29..33 and 62..64 bits."""
    rng = np.random.default_rng(3)
    bank = rng.integers(0, 256, (3000, 32), dtype=np.uint8)
    queries = rng.integers(0, 256, (8, 32), dtype=np.uint8)
    planted = [
        _flip(queries[q], k, rng) for q in range(8) for k in (0, 1, 29, 30, 31, 32, 33, 62, 63, 64)
    ]
    bank = np.concatenate([bank, np.array(planted), np.array(planted[:5])])  # with duplicates
    ids = rng.permutation(len(bank)).astype(np.int64) * 1000 - 7
    return bank, ids, queries


PATHS = [
    pytest.param({}, id="flat"),
    pytest.param({"mode": "mih", "bits": 16}, id="mih-16"),
    pytest.param({"mode": "mih", "bits": 21}, id="mih-21"),
    pytest.param({"mode": "mih", "bits": 23}, id="mih-23"),
    pytest.param({"flat_max": 0}, id="auto"),
]


@pytest.mark.parametrize("kwargs", PATHS)
@pytest.mark.parametrize("radius", [0, 30, 31, 32, 63])
@pytest.mark.parametrize("nq", [1, 8])
def test_exact_against_brute_force(data, kwargs, radius, nq) -> None:
    bank, ids, queries = data
    index = PdqIndex(bank, ids, **kwargs)
    got = index.search(queries[:nq], radius)
    assert got == _brute(bank, ids, queries[:nq], radius)
    assert len(got) == len({(m.query, m.id) for m in got})


def test_planted_distances_at_the_radius(data) -> None:
    bank, ids, queries = data
    index = PdqIndex(bank, ids, mode="mih", bits=16)
    dists = {m.distance for m in index.search(queries[:1], 31)}
    assert {0, 1, 29, 30, 31} <= dists
    assert max(dists) == 31


def test_one_entry_matched_by_several_queries_is_reported_per_query() -> None:
    h = np.zeros((1, 32), dtype=np.uint8)
    q = np.zeros((3, 32), dtype=np.uint8)
    q[1, 0] = 0b111
    for kwargs in ({}, {"mode": "mih"}):
        got = PdqIndex(h, np.array([42]), **kwargs).search(q, 31)
        assert got == [Match(0, 42, 0), Match(1, 42, 3), Match(2, 42, 0)]


@pytest.mark.parametrize("mode", ["auto", "mih"])
def test_empty_index_and_empty_queries(mode) -> None:
    empty = PdqIndex(np.zeros((0, 32), dtype=np.uint8), np.zeros(0, dtype=np.int64), mode=mode)
    assert len(empty) == 0
    assert empty.search(np.zeros((8, 32), dtype=np.uint8), 31) == []
    one = PdqIndex(np.zeros((1, 32), dtype=np.uint8), np.array([1]))
    assert one.search(np.zeros((0, 32), dtype=np.uint8), 31) == []


def test_from_hex_and_memory() -> None:
    hexes = ["f" * 64, "0" * 63 + "1", "8" + "0" * 63]
    index = PdqIndex.from_hex(hexes, [10, 11, 12])
    assert len(index) == 3
    assert index.search(hex_to_array(["0" * 64]), 1) == [Match(0, 11, 1), Match(0, 12, 1)]
    assert hex_to_array(["8" + "0" * 63])[0, 0] == 0x80  # big-endian, as bytes.fromhex
    assert index.memory_bytes() >= 3 * 40
    with pytest.raises(ValueError, match="64 hex"):
        hex_to_array(["abc"])
    with pytest.raises(ValueError, match="differ"):
        PdqIndex(hex_to_array(hexes), np.array([1]))


def test_mih_path_is_really_taken(data, monkeypatch) -> None:
    bank, ids, queries = data
    index = PdqIndex(bank, ids, mode="mih")
    monkeypatch.setattr(index, "_search_flat", None)  # would raise if called
    assert index.search(queries, 31) == _brute(bank, ids, queries, 31)


def test_many_queries_are_chunked(data, monkeypatch) -> None:
    bank, ids, queries = data
    monkeypatch.setattr("shieldwall.matching.index._CHUNK_PROBES", 1000)
    many = np.concatenate([queries] * 5)
    index = PdqIndex(bank, ids, mode="mih", bits=20)
    assert index.search(many, 31) == _brute(bank, ids, many, 31)


def test_default_bits_grows_with_the_bank() -> None:
    assert default_bits(100_000) == 16
    assert default_bits(10_000_000) == 23
