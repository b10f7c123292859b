"""Banks filled from hash exchanges: a file, NCMEC and StopNCII (local fakes over real HTTP)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shieldwall.banks import services
from shieldwall.banks.cli_exchange import EXCHANGE_APIS, add_parser
from shieldwall.banks.events import BankEvent
from shieldwall.banks.exchanges import (
    ExchangeError,
    SyncResult,
    add_exchange,
    get_exchange,
    sync_exchange,
)
from shieldwall.banks.kinds import SignalType
from shieldwall.banks.models import BankEntry, BankExchange, ExchangeApi
from shieldwall.core.actors import SYSTEM, Actor
from shieldwall.core.errors import Conflict, Forbidden, Invalid
from shieldwall.core.models import AuditEvent
from tests.fakes.ncmec import FakeNCMEC
from tests.fakes.stopncii import FakeStopNCII

pytestmark = pytest.mark.django_db

PDQ_A = "f" * 32 + "0" * 32
PDQ_B = "0" * 32 + "f" * 32
PDQ_C = "a5" * 32
MD5_A = "0123456789abcdef" * 2
MD5_B = "fedcba9876543210" * 2
SHA256_A = "ab" * 32
REASON = "ticket 12: fill from the exchange"


def bank_hashes(bank: str = "ex") -> set[tuple[str, str]]:
    return set(BankEntry.objects.filter(bank__name=bank).values_list("signal_type", "value"))


def sync(actor: Actor, bank: str = "ex", **kwargs: Any) -> SyncResult:
    return sync_exchange(
        exchange_id=get_exchange(bank_name=bank, actor=actor).pk, actor=actor, **kwargs
    )


@pytest.fixture
def bank(actor: Actor) -> str:
    services.create_bank(name="ex", actor=actor)
    return "ex"


@pytest.fixture
def hash_file(tmp_path: Path, bank: str, actor: Actor) -> Path:
    path = tmp_path / "hashes.txt"
    path.write_text(f"pdq {PDQ_A}\nvideo_md5 {MD5_A}\n")
    add_exchange(bank_name=bank, api="file", config={"path": str(path)}, actor=actor, reason=REASON)
    return path


@pytest.fixture
def ncmec(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeNCMEC]:
    monkeypatch.setenv("SHIELDWALL_NCMEC_USER", "esp-user")
    monkeypatch.setenv("SHIELDWALL_NCMEC_PASSWORD", "esp-pass")
    fake = FakeNCMEC().start()
    yield fake
    fake.stop()


@pytest.fixture
def ncmec_bank(ncmec: FakeNCMEC, bank: str, actor: Actor) -> str:
    add_exchange(
        bank_name=bank,
        api="ncmec",
        config={"environment": "test_Industry", "base_url": ncmec.base_url},
        actor=actor,
        reason=REASON,
    )
    return bank


@pytest.fixture
def stopncii(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStopNCII]:
    monkeypatch.setenv("SHIELDWALL_STOPNCII_SUBSCRIPTION_KEY", "sub-key")
    monkeypatch.setenv("SHIELDWALL_STOPNCII_FETCH_KEY", "fetch-key")
    fake = FakeStopNCII().start()
    yield fake
    fake.stop()


@pytest.fixture
def stopncii_bank(stopncii: FakeStopNCII, bank: str, actor: Actor) -> str:
    add_exchange(
        bank_name=bank,
        api="stopncii",
        config={"base_url": stopncii.base_url},
        actor=actor,
        reason=REASON,
    )
    return bank


# ---- file ----------------------------------------------------------------------------------


def test_file_sync_adds_entries_with_their_source_and_id(hash_file: Path, actor: Actor) -> None:
    result = sync(actor)
    assert (result.fetched, result.added, result.removed, result.invalid) == (2, 2, 0, 0)
    assert bank_hashes() == {("pdq", PDQ_A), ("md5", MD5_A)}
    entry = BankEntry.objects.get(signal_type=SignalType.PDQ)
    assert (entry.source, entry.external_id) == ("exchange", PDQ_A)
    exchange = BankExchange.objects.get()
    assert exchange.last_fetch_at is not None
    assert exchange.last_error == ""


def test_file_resync_is_idempotent(hash_file: Path, actor: Actor) -> None:
    sync(actor)
    version = services.get_bank("ex").version
    again = sync(actor)
    assert (again.fetched, again.added, again.removed) == (2, 0, 0)
    assert services.get_bank("ex").version == version
    assert BankEntry.objects.count() == 2


def test_line_removed_from_file_leaves_the_bank_and_other_entries_stay(
    hash_file: Path, actor: Actor
) -> None:
    sync(actor)
    services.add_hashes(
        bank_name="ex", rows=[services.HashRow("pdq", PDQ_C)], actor=actor, reason=REASON
    )
    hash_file.write_text(f"video_md5 {MD5_A}\n")
    result = sync(actor)
    assert (result.added, result.removed) == (0, 1)
    assert bank_hashes() == {("md5", MD5_A), ("pdq", PDQ_C)}  # the API entry is not the exchange's


def test_bad_and_unsupported_lines_are_counted_not_fatal(
    tmp_path: Path, bank: str, actor: Actor
) -> None:
    path = tmp_path / "mixed.txt"
    path.write_text(
        f"pdq {PDQ_A.upper()}\nmd5 {MD5_B}\nvideo_sha256 {SHA256_A}\n"
        "pdq not-a-hash\nphotodna 0,1,2,3\nurl https://example.com/x\nroot:x:0:0 /bin/sh\n\n"
    )
    add_exchange(bank_name=bank, api="file", config={"path": str(path)}, actor=actor, reason=REASON)
    result = sync(actor)
    assert bank_hashes() == {("pdq", PDQ_A), ("md5", MD5_B), ("sha256", SHA256_A)}
    assert result.invalid == 1
    assert "not-a-hash" in result.errors[0]
    assert result.skipped_types == {"other": 1, "photodna": 1, "url": 1}
    assert "1 invalid hashes skipped" in BankExchange.objects.get().last_error


def test_file_with_one_type_and_a_type_filter(tmp_path: Path, bank: str, actor: Actor) -> None:
    path = tmp_path / "pdq.txt"
    path.write_text(f"{PDQ_A}\n{PDQ_B}\n")
    add_exchange(
        bank_name=bank,
        api="file",
        config={"path": str(path), "signal_type": "pdq", "signal_types": ["md5"]},
        actor=actor,
        reason=REASON,
    )
    result = sync(actor)
    assert result.added == 0
    assert result.skipped_types == {"pdq": 2}


def test_every_sync_writes_one_audit_event(hash_file: Path, actor: Actor) -> None:
    sync(actor)
    sync(actor)
    events = AuditEvent.objects.filter(action=BankEvent.EXCHANGE_SYNCED).order_by("seq")
    assert [(e.data["added"], e.data["removed"]) for e in events] == [(2, 0), (0, 0)]
    assert AuditEvent.objects.filter(action=BankEvent.EXCHANGE_ADDED).count() == 1
    from shieldwall.core.audit_verify import verify

    assert verify().ok


def test_empty_fetch_does_not_empty_the_bank_unless_allowed(hash_file: Path, actor: Actor) -> None:
    sync(actor)
    hash_file.write_text("")
    with pytest.raises(ExchangeError) as exc:
        sync(actor)
    assert exc.value.code == "exchange_empty"
    assert len(bank_hashes()) == 2
    assert "refusing to empty" in BankExchange.objects.get().last_error
    with pytest.raises(Invalid) as refused:
        sync(actor, allow_empty=True)  # emptying a protected bank needs a person's reason
    assert refused.value.code == "reason_required"
    assert len(bank_hashes()) == 2
    emptied = sync(actor, allow_empty=True, reason="the list was retired")  # on purpose
    assert emptied.removed == 2
    assert bank_hashes() == set()
    removal = AuditEvent.objects.get(action=BankEvent.ENTRIES_REMOVED)
    assert removal.data["reason"] == "the list was retired"


def test_missing_file_is_a_clear_error(hash_file: Path, actor: Actor) -> None:
    sync(actor)
    hash_file.unlink()
    with pytest.raises(ExchangeError, match="does not exist"):
        sync(actor)
    assert len(bank_hashes()) == 2
    assert AuditEvent.objects.filter(action=BankEvent.EXCHANGE_SYNC_FAILED).count() == 1


# ---- NCMEC ---------------------------------------------------------------------------------


def test_ncmec_entries_are_added_then_a_deletion_removes_them(
    ncmec: FakeNCMEC, ncmec_bank: str, actor: Actor
) -> None:
    ncmec.add("image1", "image", {"md5": MD5_A, "sha1": "a1" * 20, "pdna": "0,1,2", "pdq": PDQ_A})
    ncmec.add("video1", "video", {"md5": MD5_B, "sha1": "b1" * 20}, member_id=43)
    result = sync(actor)
    assert bank_hashes() == {("md5", MD5_A), ("pdq", PDQ_A), ("md5", MD5_B)}
    assert result.skipped_types == {"ncmec_pdna": 1, "ncmec_sha1": 2}
    assert BankEntry.objects.get(value=MD5_B).external_id == "43-video1"
    assert ncmec.requests[0][0] == "/hashsharing/v2/entries"

    ncmec.delete("image1")
    result = sync(actor)
    assert (result.added, result.removed) == (0, 2)
    assert bank_hashes() == {("md5", MD5_B)}


def test_ncmec_hash_shared_by_two_entries_stays_until_both_are_deleted(
    ncmec: FakeNCMEC, ncmec_bank: str, actor: Actor
) -> None:
    ncmec.add("a", "image", {"md5": MD5_A}, member_id=1)
    ncmec.add("b", "image", {"md5": MD5_A}, member_id=2)
    sync(actor)
    assert BankEntry.objects.get().external_id == "1-a"
    ncmec.delete("a", member_id=1)
    assert sync(actor).removed == 0
    assert BankEntry.objects.get().external_id == "2-b"  # relabelled to the entry that holds it
    ncmec.delete("b", member_id=2)
    assert sync(actor).removed == 1


def test_ncmec_only_some_members(ncmec: FakeNCMEC, bank: str, actor: Actor) -> None:
    config = {"environment": "Industry", "base_url": ncmec.base_url, "only_esp_ids": [7]}
    add_exchange(bank_name=bank, api="ncmec", config=config, actor=actor, reason=REASON)
    ncmec.add("x", "image", {"md5": MD5_A}, member_id=7)
    ncmec.add("y", "image", {"md5": MD5_B}, member_id=8)
    sync(actor)
    assert bank_hashes() == {("md5", MD5_A)}


def test_ncmec_pages_are_followed(ncmec: FakeNCMEC, ncmec_bank: str, actor: Actor) -> None:
    ncmec.page_size = 1
    for n, md5 in enumerate((MD5_A, MD5_B, "c" * 32)):
        ncmec.add(f"e{n}", "image", {"md5": md5}, age=3600)  # one second: only paging splits
    assert sync(actor).added == 3
    assert any("start" in params for _, params, _ in ncmec.requests)


def test_ncmec_sends_basic_auth_and_a_refusal_is_clear(
    ncmec: FakeNCMEC, ncmec_bank: str, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    ncmec.add("image1", "image", {"md5": MD5_A})
    monkeypatch.setenv("SHIELDWALL_NCMEC_PASSWORD", "wrong")
    with pytest.raises(ExchangeError) as exc:
        sync(actor)
    assert exc.value.code == "exchange_auth_failed"
    assert "refused the credentials (HTTP 401)" in BankExchange.objects.get().last_error
    assert "wrong" not in exc.value.message
    assert bank_hashes() == set()


def test_missing_credentials_name_the_variable(
    ncmec: FakeNCMEC, ncmec_bank: str, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHIELDWALL_NCMEC_USER")
    with pytest.raises(ExchangeError, match="set SHIELDWALL_NCMEC_USER"):
        sync(actor)
    assert ncmec.requests == []


def test_server_error_leaves_the_bank_unchanged(
    ncmec: FakeNCMEC, ncmec_bank: str, actor: Actor
) -> None:
    ncmec.add("image1", "image", {"md5": MD5_A})
    sync(actor)
    ncmec.delete("image1")
    ncmec.fail_with = 500
    with pytest.raises(ExchangeError) as exc:
        sync(actor)
    assert exc.value.code == "exchange_http_error"
    assert "500" in exc.value.message
    assert bank_hashes() == {("md5", MD5_A)}
    failed = AuditEvent.objects.get(action=BankEvent.EXCHANGE_SYNC_FAILED)
    assert failed.data["code"] == "exchange_http_error"


def test_stopped_server_is_unreachable_and_the_bank_unchanged(
    ncmec: FakeNCMEC, ncmec_bank: str, actor: Actor
) -> None:
    ncmec.add("image1", "image", {"md5": MD5_A})
    sync(actor)
    ncmec.stop()
    with pytest.raises(ExchangeError) as exc:
        sync(actor)
    assert exc.value.code == "exchange_unreachable"
    assert "could not be reached" in BankExchange.objects.get().last_error
    assert bank_hashes() == {("md5", MD5_A)}


# ---- StopNCII ------------------------------------------------------------------------------


def test_stopncii_hashes_are_added_then_a_withdrawn_case_leaves(
    stopncii: FakeStopNCII, stopncii_bank: str, actor: Actor
) -> None:
    stopncii.add(PDQ_A, "case-1")
    stopncii.add(MD5_A, "case-2", signal_type="VideoMD5", feedback="Blocked")
    stopncii.add("00" * 16, "case-3", signal_type="VideoTMK")
    result = sync(actor)
    assert bank_hashes() == {("pdq", PDQ_A), ("md5", MD5_A)}
    assert result.skipped_types == {"stopncii_VideoTMK": 1}
    assert BankEntry.objects.get(value=PDQ_A).external_id == "case-1"
    _, _, headers = stopncii.requests[0]
    assert headers["x-functions-key"] == "fetch-key"
    assert headers["Ocp-Apim-Subscription-Key"] == "sub-key"

    stopncii.withdraw("case-1")
    result = sync(actor)
    assert (result.added, result.removed) == (0, 1)
    assert bank_hashes() == {("md5", MD5_A)}
    removal = AuditEvent.objects.filter(action=BankEvent.ENTRIES_REMOVED).get()
    assert removal.data["removed"] == 1


def test_stopncii_hash_stays_while_another_case_holds_it(
    stopncii: FakeStopNCII, stopncii_bank: str, actor: Actor
) -> None:
    stopncii.add(PDQ_A, "case-1", "case-2")
    sync(actor)
    stopncii.withdraw("case-1")
    assert sync(actor).removed == 0
    assert BankEntry.objects.get().external_id == "case-2"
    stopncii.withdraw("case-2")
    assert sync(actor).removed == 1


def test_stopncii_paging_and_malformed_records(
    stopncii: FakeStopNCII, stopncii_bank: str, actor: Actor
) -> None:
    stopncii.page_size_cap = 2
    for n, value in enumerate((PDQ_A, PDQ_B, PDQ_C)):
        stopncii.add(value, f"case-{n}")
    stopncii.add("not-a-pdq", "case-9")
    stopncii.raw.append(
        {
            "lastModtimestamp": 1,
            "signalType": "ImagePDQ",
            "hashValue": PDQ_C,
            "hashStatus": "NoSuchStatus",
            "caseNumbers": {},
        }
    )
    result = sync(actor)
    assert result.added == 3
    assert result.invalid == 2  # the malformed record and the bad PDQ
    assert len(stopncii.requests) == 3


def test_stopncii_wrong_key_is_refused(
    stopncii: FakeStopNCII, stopncii_bank: str, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIELDWALL_STOPNCII_FETCH_KEY", "nope")
    with pytest.raises(ExchangeError) as exc:
        sync(actor)
    assert exc.value.code == "exchange_auth_failed"


# ---- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "config", "message"),
    [
        ("ftp", {}, "api must be one of"),
        ("file", {"path": "relative.txt"}, "absolute path"),
        ("file", {"path": "/nonexistent/hashes.txt"}, "does not exist"),
        ("ncmec", {}, "environment"),
        ("ncmec", {"environment": "Moon"}, "environment must be one of"),
        ("ncmec", {"environment": "Industry", "password": "x"}, "Unknown setting 'password'"),
        ("ncmec", {"base_url": "http://ncmec.example.org/hs"}, "https"),
        ("ncmec", {"environment": "Industry", "password_env": "DATABASE_URL"}, "SHIELDWALL_NCMEC_"),
        ("stopncii", {"base_url": "ftp://x"}, "http(s) URL"),
        ("stopncii", {"signal_types": ["vpdq"]}, "cannot come from an exchange"),
    ],
)
def test_bad_exchange_settings_are_refused(
    bank: str, actor: Actor, api: str, config: dict, message: str
) -> None:
    with pytest.raises(Invalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        add_exchange(bank_name=bank, api=api, config=config, actor=actor, reason=REASON)
    assert not BankExchange.objects.exists()


def test_exchange_settings_are_stored_clean_and_audited(bank: str, actor: Actor) -> None:
    exchange = add_exchange(bank_name=bank, api="stopncii", config={}, actor=actor, reason=REASON)
    assert exchange.config == {
        "signal_types": ["md5", "pdq", "sha256"],
        "subscription_key_env": "SHIELDWALL_STOPNCII_SUBSCRIPTION_KEY",
        "fetch_key_env": "SHIELDWALL_STOPNCII_FETCH_KEY",
    }
    event = AuditEvent.objects.get(action=BankEvent.EXCHANGE_ADDED)
    assert event.data["config"] == exchange.config
    with pytest.raises(Conflict):
        add_exchange(
            bank_name=bank, api="file", config={"path": __file__}, actor=actor, reason=REASON
        )


def test_platform_keys_cannot_configure_exchanges(bank: str) -> None:
    platform = Actor(kind="apikey", name="p", permissions=frozenset({"banks.manage_bank"}))
    with pytest.raises(Forbidden):
        add_exchange(bank_name=bank, api="file", config={"path": __file__}, actor=platform)


def test_disabled_exchange_does_not_sync(hash_file: Path, actor: Actor) -> None:
    BankExchange.objects.update(enabled=False)
    with pytest.raises(Invalid, match="is off"):
        sync(actor)


# ---- the background job --------------------------------------------------------------------


def run_worker_once() -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


@pytest.mark.django_db(transaction=True)
def test_sync_job_runs_through_the_database_queue(hash_file: Path) -> None:
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from shieldwall.banks.tasks import enqueue_sync_on_commit

    exchange = get_exchange(bank_name="ex", actor=SYSTEM)
    with transaction.atomic():
        enqueue_sync_on_commit(exchange.pk)
        assert not DBTaskResult.objects.exists()  # only once the change commits
    assert DBTaskResult.objects.get().status == "READY"
    run_worker_once()
    job = DBTaskResult.objects.get()
    assert job.status == "SUCCESSFUL", job.traceback
    assert job.return_value is not None
    assert job.return_value["added"] == 2
    assert bank_hashes() == {("pdq", PDQ_A), ("md5", MD5_A)}
    assert AuditEvent.objects.get(action=BankEvent.EXCHANGE_SYNCED).actor == "system:shieldwall"


# ---- command line --------------------------------------------------------------------------


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="bank_cmd", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_api_names_match_the_model() -> None:
    assert set(EXCHANGE_APIS) == set(ExchangeApi.values)


def test_cli_add_and_sync(bank: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "list.txt"
    path.write_text(f"pdq {PDQ_A}\npdq bad\n")
    assert run_cli("exchange-add", "ex", "--api", "file", "--file", str(path)) == 1
    assert "give a reason (the command line's --reason)" in capsys.readouterr().err
    assert (
        run_cli("exchange-add", "ex", "--api", "file", "--file", str(path), "--reason", REASON) == 0
    )
    assert "filled from the file exchange" in capsys.readouterr().out
    assert AuditEvent.objects.get(action=BankEvent.EXCHANGE_ADDED).data["reason"] == REASON
    assert run_cli("sync", "ex", "--json") == 2  # one line refused
    counts = json.loads(capsys.readouterr().out)
    assert (counts["added"], counts["invalid"]) == (1, 1)
    path.write_text(f"pdq {PDQ_A}\n")
    assert run_cli("sync", "ex") == 0
    assert "1 hashes at the exchange, 0 added, 0 removed" in capsys.readouterr().out


def test_cli_errors_are_one_line(bank: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("sync", "ex") == 1
    assert "has no exchange" in capsys.readouterr().err
    assert run_cli("exchange-add", "ex", "--api", "ncmec", "--file", "/x", "--reason", REASON) == 1
    assert "Unknown setting 'path'" in capsys.readouterr().err


def test_cli_enqueue_puts_a_job_on_the_queue(
    hash_file: Path, capsys: pytest.CaptureFixture[str], django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        assert run_cli("sync", "ex", "--enqueue") == 0
    assert "queued" in capsys.readouterr().out
    job = DBTaskResult.objects.get()
    assert job.task_path == "shieldwall.banks.tasks.sync_exchange_task"
    assert job.args_kwargs["args"] == [BankExchange.objects.get().pk]


def _subcommands(parser: argparse.ArgumentParser) -> Any:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_cli_wiring_into_the_bank_command() -> None:
    """`shieldwall bank sync` is routed to this module's command."""
    from shieldwall import cli

    parser = cli.build_parser()
    args = parser.parse_args(["bank", "sync", "ex", "--enqueue"])
    assert args.func.__name__ == "cmd_exchange_sync"
    assert args.enqueue
