import pytest

from shieldwall.banks import services
from shieldwall.banks.events import BankEvent
from shieldwall.banks.kinds import BankAction, BankKind, SignalType
from shieldwall.banks.models import Bank, BankEntry
from shieldwall.core.actors import Actor
from shieldwall.core.errors import Conflict, Invalid, NotFound
from shieldwall.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PDQ_A = "f" * 32 + "0" * 32
PDQ_B = "0" * 32 + "f" * 32
MD5 = "0123456789abcdef" * 2


def test_create_bank_with_settings(actor: Actor) -> None:
    bank = services.create_bank(
        name="ncmec",
        actor=actor,
        kind=BankKind.VERIFIED_CSAM,
        action=BankAction.BLOCK,
        pdq_threshold=20,
        reason="ticket 7: the NCMEC list",
    )
    assert (bank.kind, bank.action, bank.pdq_threshold, bank.enabled) == (
        "verified_csam",
        "block",
        20,
        True,
    )
    assert AuditEvent.objects.filter(action=BankEvent.CREATED, subject_id=str(bank.pk)).exists()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"name": "Bad Name"}, "invalid_name"),
        ({"name": "ok", "kind": "csam"}, "invalid_kind"),
        ({"name": "ok", "action": "delete"}, "invalid_action"),
        ({"name": "ok", "pdq_threshold": 64}, "invalid_threshold"),
        ({"name": "ok", "video_query_pct": 0}, "invalid_percent"),
    ],
)
def test_bad_bank_settings_are_refused(actor: Actor, kwargs: dict, code: str) -> None:
    with pytest.raises(Invalid) as exc:
        services.create_bank(actor=actor, **kwargs)
    assert exc.value.code == code
    assert not Bank.objects.exists()


def test_duplicate_bank_name(actor: Actor) -> None:
    services.create_bank(name="b", actor=actor)
    with pytest.raises(Conflict):
        services.create_bank(name="b", actor=actor)


def test_update_bumps_version_and_audits(actor: Actor) -> None:
    bank = services.create_bank(name="b", actor=actor)
    updated = services.update_bank(name="b", actor=actor, action=BankAction.BLOCK, enabled=False)
    assert updated.version == bank.version + 1
    assert (updated.action, updated.enabled) == ("block", False)
    event = AuditEvent.objects.get(action=BankEvent.UPDATED)
    assert event.data["changes"]["action"] == {"from": "review", "to": "block"}


def test_add_hashes_normalises_and_skips_duplicates(actor: Actor) -> None:
    services.create_bank(name="b", actor=actor)
    rows = [
        services.HashRow("PDQ", PDQ_A.upper()),
        services.HashRow("md5", MD5, "a note"),
        services.HashRow("pdq", PDQ_A),
    ]
    result = services.add_hashes(bank_name="b", rows=rows, actor=actor)
    assert (result.added, result.duplicates) == (2, 1)
    again = services.add_hashes(bank_name="b", rows=rows[:1], actor=actor)
    assert (again.added, again.duplicates) == (0, 1)
    assert set(BankEntry.objects.values_list("signal_type", "value")) == {
        ("pdq", PDQ_A),
        ("md5", MD5),
    }


def test_bad_rows_refuse_the_whole_batch_and_say_where(actor: Actor) -> None:
    services.create_bank(name="b", actor=actor)
    rows = [
        services.HashRow("pdq", PDQ_A),
        services.HashRow("pdq", "abc"),
        services.HashRow("photodna", "x"),
        services.HashRow("vpdq", "[]"),
    ]
    with pytest.raises(Invalid) as exc:
        services.add_hashes(bank_name="b", rows=rows, actor=actor)
    assert "Nothing was added" in exc.value.message
    assert "row 2: a pdq hash is 64 hexadecimal characters" in exc.value.message
    assert "row 3: unknown signal type 'photodna'" in exc.value.message
    assert "row 4: a vpdq value must list at least one frame" in exc.value.message
    assert not BankEntry.objects.exists()


def test_csv_round_trip_with_vpdq(actor: Actor) -> None:
    services.create_bank(name="src", actor=actor)
    vpdq = '["' + PDQ_A + ',100,0.000", "' + PDQ_B + ',90,1.000"]'
    text = (
        "signal_type,value,note\n"
        f"pdq,{PDQ_A},first photo\n"
        f"md5,{MD5},\n"
        f'vpdq,"{vpdq.replace(chr(34), chr(34) * 2)}",a video\n'
        "\n"
    )
    result = services.import_csv(bank_name="src", text=text, actor=actor)
    assert result.added == 3
    exported = "".join(services.export_csv(bank_name="src", actor=actor))
    services.create_bank(name="copy", actor=actor)
    assert services.import_csv(bank_name="copy", text=exported, actor=actor).added == 3
    assert "".join(services.export_csv(bank_name="copy", actor=actor)) == exported
    frames = BankEntry.objects.get(bank__name="copy", signal_type=SignalType.VPDQ).value
    assert PDQ_B in frames


def test_disable_and_remove_entries(actor: Actor) -> None:
    bank = services.create_bank(name="b", actor=actor)
    ids = services.add_hashes(
        bank_name="b",
        rows=[services.HashRow("pdq", PDQ_A), services.HashRow("pdq", PDQ_B)],
        actor=actor,
    ).entry_ids
    services.set_entry_enabled(bank_name="b", entry_id=ids[0], enabled=False, actor=actor)
    exported = "".join(services.export_csv(bank_name="b", actor=actor))
    assert PDQ_A not in exported
    assert PDQ_B in exported
    assert services.remove_entries(bank_name="b", entry_ids=[ids[1]], actor=actor) == 1
    assert list(BankEntry.objects.values_list("pk", flat=True)) == [ids[0]]
    with pytest.raises(NotFound):
        services.remove_entries(bank_name="b", entry_ids=[ids[1]], actor=actor)
    assert Bank.objects.get(pk=bank.pk).version > bank.version


def test_withdrawn_exchange_case_leaves_the_bank(actor: Actor) -> None:
    reason = "StopNCII withdrew case-1"
    services.create_bank(name="stopncii", actor=actor, kind=BankKind.NCII, reason=reason)
    rows = [
        services.HashRow("pdq", PDQ_A, external_id="case-1"),
        services.HashRow("pdq", PDQ_B, external_id="case-2"),
    ]
    services.add_hashes(
        bank_name="stopncii", rows=rows, actor=actor, source="exchange", reason=reason
    )
    removed = services.remove_entries(
        bank_name="stopncii", external_id="case-1", actor=actor, reason=reason
    )
    assert removed == 1
    assert list(BankEntry.objects.values_list("value", flat=True)) == [PDQ_B]
    assert AuditEvent.objects.filter(action=BankEvent.ENTRIES_REMOVED).count() == 1


def test_unknown_bank(actor: Actor) -> None:
    with pytest.raises(NotFound, match="No bank is named 'nope'"):
        services.add_hashes(bank_name="nope", rows=[services.HashRow("pdq", PDQ_A)], actor=actor)


def test_a_list_with_a_nul_character_in_a_note_is_refused_whole(actor: Actor) -> None:
    # PostgreSQL cannot store U+0000; the command line's import must say so, not crash.
    services.create_bank(name="lists", actor=actor)
    text = "signal_type,value,note\nmd5," + "a" * 32 + ",bad\x00note\n"
    with pytest.raises(Invalid) as refused:
        services.import_csv(bank_name="lists", text=text, actor=actor)
    assert "row 1: a note holds the NUL character" in refused.value.message
    assert not BankEntry.objects.filter(bank__name="lists").exists()
