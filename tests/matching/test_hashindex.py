"""The hash-index facility: side additions and tombstones, compaction, snapshot files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shieldwall.matching.hashindex import Change, HashIndex, build_backend, register_backend
from shieldwall.matching.index import FLAT_MAX, Match, PdqIndex
from shieldwall.matching.snapshots import (
    SnapshotError,
    file_checksum,
    load_snapshot_file,
    write_snapshot_file,
)

RNG = np.random.default_rng(8)


def _random(n: int) -> np.ndarray:
    return RNG.integers(0, 256, size=(n, 32), dtype=np.uint8)


def _near(code: np.ndarray, flips: int) -> np.ndarray:
    """The hash with `flips` bits inverted."""
    bits = np.unpackbits(code)
    bits[RNG.choice(256, size=flips, replace=False)] ^= 1
    return np.packbits(bits)


def _ids(found: list[Match]) -> set[int]:
    return {m.id for m in found}


def test_an_added_entry_matches_and_the_old_index_is_unchanged() -> None:
    base = HashIndex.build(_random(3), np.array([1, 2, 3]))
    code = _random(1)[0]
    grown = base.apply([Change(9, True, code.tobytes())])
    query = _near(code, 5)[None, :]
    assert [(m.id, m.distance) for m in grown.search(query, 31)] == [(9, 5)]
    assert base.search(query, 31) == []


def test_a_withdrawn_base_entry_no_longer_matches() -> None:
    codes = _random(4)
    index = HashIndex.build(codes, np.array([1, 2, 3, 4]))
    gone = index.apply([Change(2, added=False)])
    assert _ids(gone.search(codes, 0)) == {1, 3, 4}


def test_enabled_again_after_a_withdrawal_it_matches_again() -> None:
    codes = _random(2)
    index = HashIndex.build(codes, np.array([1, 2]))
    back = index.apply([Change(1, added=False), Change(1, True, codes[0].tobytes())])
    assert [m.distance for m in back.search(codes[:1], 0)] == [0]


def test_an_addition_already_in_the_base_is_reported_once() -> None:
    codes = _random(2)
    index = HashIndex.build(codes, np.array([1, 2]))
    twice = index.apply([Change(1, True, codes[0].tobytes())])
    assert [m.id for m in twice.search(codes[:1], 0)] == [1]


def test_an_addition_without_its_hash_is_refused() -> None:
    index = HashIndex.build(_random(1), np.array([1]))
    with pytest.raises(ValueError, match="32-byte PDQ hash"):
        index.apply([Change(5, True, b"short")])


def test_near_copies_added_later_point_at_their_original() -> None:
    index = HashIndex.build(_random(2), np.array([1, 2]), variant_of=[(2, 1)])
    grown = index.apply([Change(7, True, _random(1)[0].tobytes(), variant_of=1)])
    assert (grown.variants.get(2), grown.variants.get(7), grown.variants.get(1, 1)) == (1, 1, 1)


def _changed_large_index() -> tuple[HashIndex, np.ndarray]:
    """A multi-index base (above the flat size) with additions and withdrawals beside it."""
    n = FLAT_MAX + 5000
    codes = _random(n)
    index = HashIndex.build(codes, np.arange(n, dtype=np.int64), variant_of=[(5, 4), (6, 4)])
    added = _random(40)
    changes = [Change(n + i, True, c.tobytes()) for i, c in enumerate(added)]
    changes += [Change(i, added=False) for i in range(0, 400, 7)]
    changes += [Change(n + 3, added=False)]
    queries = np.concatenate(
        [codes[:400], added, [_near(c, 20) for c in codes[400:500]], _random(50)]
    )
    return index.apply(changes), queries


def test_compaction_keeps_results_identical() -> None:
    changed, queries = _changed_large_index()
    compacted = changed.compacted()
    assert compacted.side_size == 0
    assert compacted.search(queries, 31) == changed.search(queries, 31)
    assert (compacted.variants.get(5), compacted.variants.get(6)) == (4, 4)


def test_a_snapshot_file_maps_back_to_the_same_answers(tmp_path: Path) -> None:
    changed, queries = _changed_large_index()
    index = changed.compacted()
    size, checksum = write_snapshot_file(tmp_path, "b.pdqidx", index, {"bank_id": 1})
    loaded, header = load_snapshot_file(tmp_path / "b.pdqidx", checksum=checksum, size=size)
    assert isinstance(loaded.base.hashes(), np.memmap) or isinstance(
        loaded.base.hashes().base, np.memmap
    )
    assert header["bank_id"] == 1
    assert loaded.search(queries, 31) == index.search(queries, 31)
    assert loaded.search(queries[:20], 60) == index.search(queries[:20], 60)  # the flat path
    assert loaded.variants.get(6) == 4


def test_a_small_snapshot_without_multi_index_tables_loads(tmp_path: Path) -> None:
    codes = _random(10)
    index = HashIndex.build(codes, np.arange(10, dtype=np.int64))
    size, checksum = write_snapshot_file(tmp_path, "s.pdqidx", index, {})
    loaded, _ = load_snapshot_file(tmp_path / "s.pdqidx", checksum=checksum, size=size)
    assert loaded.search(codes, 0) == index.search(codes, 0)


def _written(tmp_path: Path) -> tuple[Path, int, str]:
    index = HashIndex.build(_random(10), np.arange(10, dtype=np.int64))
    size, checksum = write_snapshot_file(tmp_path, "c.pdqidx", index, {})
    return tmp_path / "c.pdqidx", size, checksum


def test_a_corrupt_snapshot_is_refused(tmp_path: Path) -> None:
    path, size, checksum = _written(tmp_path)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="fails its checksum"):
        load_snapshot_file(path, checksum=checksum, size=size)


def test_a_truncated_snapshot_is_refused(tmp_path: Path) -> None:
    path, size, checksum = _written(tmp_path)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(SnapshotError, match=f"is {size - 100} bytes, not {size}"):
        load_snapshot_file(path, checksum=checksum, size=size)


def test_a_missing_snapshot_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="cannot be read"):
        load_snapshot_file(tmp_path / "gone.pdqidx", checksum="0" * 64, size=10)


def test_a_snapshot_of_another_format_is_refused(tmp_path: Path) -> None:
    path, size, _ = _written(tmp_path)
    data = bytearray(path.read_bytes())
    data[8] = 99  # the format version
    path.write_bytes(bytes(data))
    checksum = file_checksum(path)
    with pytest.raises(SnapshotError, match="is not of format 1"):
        load_snapshot_file(path, checksum=checksum, size=size)


def test_a_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    _written(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["c.pdqidx"]


def test_another_backend_serves_the_same_search() -> None:
    calls: list[int] = []

    def counting(hashes: np.ndarray, ids: np.ndarray) -> PdqIndex:
        calls.append(len(ids))
        return PdqIndex(hashes, ids)

    register_backend("counting", counting)
    codes = _random(5)
    index = HashIndex.build(codes, np.arange(5, dtype=np.int64), backend="counting")
    assert (calls, [m.id for m in index.search(codes[2:3], 0)]) == ([5], [2])


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="no index backend is named 'quantum'"):
        build_backend(_random(1), np.array([1]), backend="quantum")


def test_the_checksum_covers_every_piece_of_a_large_file(tmp_path: Path) -> None:
    import hashlib

    from shieldwall.matching import snapshots

    path = tmp_path / "big"
    data = bytearray(RNG.integers(0, 256, (snapshots._PIECE * 2 + 10,), dtype=np.uint8).tobytes())
    path.write_bytes(bytes(data))
    before = file_checksum(path)
    pieces = [data[i : i + snapshots._PIECE] for i in range(0, len(data), snapshots._PIECE)]
    expected = hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in pieces)).hexdigest()
    data[snapshots._PIECE + 1] ^= 1  # one bit of the middle piece
    path.write_bytes(bytes(data))
    assert (before, file_checksum(path) != before) == (expected, True)
