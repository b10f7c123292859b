"""Serving processes map the worker's snapshot and replay the change log; no rebuilds."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from shieldwall.banks import services as banks
from shieldwall.banks.models import BankEntry, BankEntryChange
from shieldwall.core.actors import Actor
from shieldwall.matching import snapshots
from shieldwall.matching.models import IndexSnapshot
from shieldwall.matching.registry import registry, snapshot_stats
from shieldwall.matching.services import QueryHashes, match_hashes

pytestmark = pytest.mark.django_db

RNG = np.random.default_rng(12)


def _hashes(n: int) -> list[str]:
    return [bytes(RNG.integers(0, 256, 32, dtype=np.uint8)).hex() for _ in range(n)]


def _bank(actor: Actor, hashes: list[str], name: str = "b") -> None:
    banks.create_bank(name=name, actor=actor, action="block")
    banks.add_hashes(bank_name=name, rows=[banks.HashRow("pdq", h) for h in hashes], actor=actor)


def _matched(pdq: str) -> set[int]:
    return {m.entry_id for m in match_hashes(QueryHashes(pdq=pdq, pdq_variants=(pdq,)))}


def _entry(pdq: str) -> int:
    return BankEntry.objects.get(value=pdq).pk


def test_a_process_maps_the_workers_snapshot_instead_of_building(actor: Actor) -> None:
    hashes = _hashes(3)
    _bank(actor, hashes)
    snapshots.build_snapshot(banks.get_bank("b").pk)
    assert _matched(hashes[1]) == {_entry(hashes[1])}
    assert (registry.loads, registry.builds) == (1, 0)


def test_without_a_snapshot_a_process_builds_from_the_database(actor: Actor) -> None:
    hashes = _hashes(2)
    _bank(actor, hashes)
    assert _matched(hashes[0]) == {_entry(hashes[0])}
    assert (registry.loads, registry.builds) == (0, 1)


def test_a_corrupt_snapshot_falls_back_to_the_database_and_says_so(
    actor: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    hashes = _hashes(2)
    _bank(actor, hashes)
    row = snapshots.build_snapshot(banks.get_bank("b").pk)
    path = snapshots.index_dir() / row.path
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.INFO):
        assert _matched(hashes[0]) == {_entry(hashes[0])}
        assert _matched(hashes[0]) == {_entry(hashes[0])}  # and does not retry every poll
    assert (registry.loads, registry.builds) == (0, 1)
    assert "fails its checksum" in caplog.text


def test_an_addition_after_the_snapshot_matches_without_a_rebuild(actor: Actor) -> None:
    hashes = _hashes(2)
    _bank(actor, hashes[:1])
    snapshots.build_snapshot(banks.get_bank("b").pk)
    assert _matched(hashes[1]) == set()
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", hashes[1])], actor=actor)
    assert _matched(hashes[1]) == {_entry(hashes[1])}
    assert (registry.loads, registry.builds, registry.catch_ups) == (1, 0, 1)


def test_a_disabled_entry_is_tombstoned(actor: Actor) -> None:
    hashes = _hashes(2)
    _bank(actor, hashes)
    snapshots.build_snapshot(banks.get_bank("b").pk)
    assert _matched(hashes[0]) == {_entry(hashes[0])}
    banks.set_entry_enabled(bank_name="b", entry_id=_entry(hashes[0]), enabled=False, actor=actor)
    assert _matched(hashes[0]) == set()
    banks.set_entry_enabled(bank_name="b", entry_id=_entry(hashes[0]), enabled=True, actor=actor)
    assert _matched(hashes[0]) == {_entry(hashes[0])}
    assert registry.builds == 0


def test_a_deleted_entry_is_tombstoned(actor: Actor) -> None:
    hashes = _hashes(2)
    _bank(actor, hashes)
    snapshots.build_snapshot(banks.get_bank("b").pk)
    gone = _entry(hashes[1])
    assert _matched(hashes[1]) == {gone}
    banks.remove_entries(bank_name="b", entry_ids=[gone], actor=actor)
    assert _matched(hashes[1]) == set()
    assert registry.builds == 0


def test_a_newer_snapshot_replaces_the_old_one_with_the_same_answers(actor: Actor) -> None:
    hashes = _hashes(6)
    _bank(actor, hashes[:3])
    bank_id = banks.get_bank("b").pk
    snapshots.build_snapshot(bank_id)
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", h) for h in hashes[3:]], actor=actor)
    banks.remove_entries(bank_name="b", entry_ids=[_entry(hashes[0])], actor=actor)
    before = [_matched(h) for h in hashes]
    row = snapshots.build_snapshot(bank_id)
    assert [_matched(h) for h in hashes] == before
    assert (row.entries, registry.loads, registry.builds) == (5, 2, 0)
    assert snapshot_stats()["b"]["side_size"] == 0


def test_changes_are_logged_in_the_changing_transaction(actor: Actor) -> None:
    hashes = _hashes(1)
    _bank(actor, hashes)
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("md5", "a" * 32)], actor=actor)
    entry = _entry(hashes[0])
    banks.set_entry_enabled(bank_name="b", entry_id=entry, enabled=False, actor=actor)
    banks.remove_entries(bank_name="b", entry_ids=[entry], actor=actor)
    log = list(BankEntryChange.objects.values_list("entry_id", "op", "value"))
    assert log == [(entry, "add", hashes[0]), (entry, "withdraw", ""), (entry, "withdraw", "")]


def test_the_worker_snapshots_due_banks_once(actor: Actor) -> None:
    _bank(actor, _hashes(2))
    assert snapshots.compact_due_snapshots() == 1
    assert snapshots.compact_due_snapshots() == 0


def test_many_changes_make_a_bank_due(actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    _bank(actor, _hashes(2))
    snapshots.compact_due_snapshots()
    monkeypatch.setattr(snapshots, "SIDE_MAX_CHANGES", 3)
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", h) for h in _hashes(2)], actor=actor)
    assert snapshots.compact_due_snapshots() == 0
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", h) for h in _hashes(1)], actor=actor)
    assert snapshots.compact_due_snapshots() == 1
    assert IndexSnapshot.objects.order_by("-id").values_list("entries", flat=True)[0] == 5


def test_old_changes_make_a_bank_due(actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    _bank(actor, _hashes(1))
    snapshots.compact_due_snapshots()
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", h) for h in _hashes(1)], actor=actor)
    assert snapshots.compact_due_snapshots() == 0
    monkeypatch.setattr(snapshots, "SIDE_MAX_AGE", timedelta(0))
    assert snapshots.compact_due_snapshots() == 1


def test_old_snapshot_files_are_pruned(actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    _bank(actor, _hashes(1))
    bank_id = banks.get_bank("b").pk
    for _ in range(4):
        snapshots.build_snapshot(bank_id)
    snapshots.compact_due_snapshots()
    kept = set(IndexSnapshot.objects.values_list("path", flat=True))
    assert {p.name for p in Path(snapshots.index_dir()).iterdir()} == kept
    assert len(kept) == snapshots.KEEP_SNAPSHOTS


def test_snapshots_go_to_the_configured_directory(actor: Actor) -> None:
    _bank(actor, _hashes(1))
    row = snapshots.build_snapshot(banks.get_bank("b").pk)
    assert (settings.SHIELDWALL.index_dir / row.path).stat().st_size == row.size_bytes


def test_snapshot_stats_name_each_bank(actor: Actor) -> None:
    _bank(actor, _hashes(2))
    snapshots.build_snapshot(banks.get_bank("b").pk)
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", h) for h in _hashes(1)], actor=actor)
    _matched(_hashes(1)[0])
    stats = snapshot_stats()["b"]
    assert (stats["entries"], stats["side_size"]) == (2, 1)
    assert stats["size_bytes"] == IndexSnapshot.objects.get().size_bytes
    assert 0 <= float(stats["age_seconds"] or -1) < 60


def test_a_corrupt_newest_snapshot_falls_back_to_the_one_before(actor: Actor) -> None:
    hashes = _hashes(3)
    _bank(actor, hashes[:2])
    bank_id = banks.get_bank("b").pk
    snapshots.build_snapshot(bank_id)
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", hashes[2])], actor=actor)
    newest = snapshots.build_snapshot(bank_id)
    (snapshots.index_dir() / newest.path).write_bytes(b"not a snapshot")
    assert [_matched(h) for h in hashes] == [{_entry(h)} for h in hashes]
    assert (registry.loads, registry.builds) == (1, 0)
    assert snapshot_stats()["b"]["side_size"] == 1  # the older one, caught up from the log


def test_metrics_show_each_banks_snapshot_and_the_changes_since(actor: Actor) -> None:
    from django.test import Client
    from tests.metrics_support import parse, sample

    hashes = _hashes(3)
    _bank(actor, hashes)
    snapshots.build_snapshot(banks.get_bank("b").pk)
    banks.add_hashes(bank_name="b", rows=[banks.HashRow("pdq", _hashes(1)[0])], actor=actor)
    samples = parse(Client().get("/metrics").content.decode())
    newest = IndexSnapshot.objects.filter(bank__name="b").latest("id")
    assert sample(samples, "shieldwall_index_snapshot_bytes", bank="b") == newest.size_bytes
    assert 0 <= sample(samples, "shieldwall_index_snapshot_age_seconds", bank="b") < 60
    assert sample(samples, "shieldwall_index_changes_since_snapshot", bank="b") == 1
