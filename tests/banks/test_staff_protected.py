"""Staff change protected banks only with the right role and a reason, which the audit keeps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shieldwall.banks import services
from shieldwall.banks.events import BankEvent
from shieldwall.banks.exchanges import add_exchange, get_exchange, sync_exchange
from shieldwall.banks.kinds import BankAction, BankKind
from shieldwall.banks.models import Bank, BankEntry
from shieldwall.core.actors import SYSTEM, Actor
from shieldwall.core.errors import Forbidden, Invalid
from shieldwall.core.models import AuditEvent
from shieldwall.core.roles import user_actor
from shieldwall.core.staff import create_staff_user
from tests.banks.conftest import MD5_B, PROTECTED_FLAVOURS, REASON, snapshot
from tests.photos import jpeg, photo

pytestmark = pytest.mark.django_db

Verb = Callable[[Actor, str, str], Any]


def _entry(name: str) -> int:
    return BankEntry.objects.filter(bank__name=name).order_by("id").values_list("pk", flat=True)[0]


CHANGES: dict[str, Verb] = {
    "disable": lambda a, n, r: services.update_bank(name=n, actor=a, enabled=False, reason=r),
    "loosen": lambda a, n, r: services.update_bank(name=n, actor=a, pdq_threshold=0, reason=r),
    "review_only": lambda a, n, r: services.update_bank(
        name=n, actor=a, action=BankAction.REVIEW, reason=r
    ),
    "add_hashes": lambda a, n, r: services.add_hashes(
        bank_name=n, rows=[services.HashRow("md5", MD5_B)], actor=a, reason=r
    ),
    "add_media": lambda a, n, r: services.add_media(
        bank_name=n, data=jpeg(photo("coffee")), actor=a, reason=r
    ),
    "import": lambda a, n, r: services.import_csv(
        bank_name=n, text=f"md5,{MD5_B}\n", actor=a, reason=r
    ),
    "disable_entry": lambda a, n, r: services.set_entry_enabled(
        bank_name=n, entry_id=_entry(n), enabled=False, actor=a, reason=r
    ),
    "remove": lambda a, n, r: services.remove_entries(
        bank_name=n, entry_ids=[_entry(n)], actor=a, reason=r
    ),
    "withdraw": lambda a, n, r: services.remove_entries(
        bank_name=n, external_id="case-1", actor=a, reason=r
    ),
}
READS: dict[str, Verb] = {
    "export": lambda a, n, r: "".join(services.export_csv(bank_name=n, actor=a, reason=r)),
    "read_entries": lambda a, n, r: services.list_entries(bank_name=n, actor=a, reason=r),
}


def staff(actor: Actor, username: str, role: str) -> Actor:
    user, _ = create_staff_user(username=username, roles=[role], actor=actor)
    return user_actor(user)


@pytest.mark.parametrize("flavour", PROTECTED_FLAVOURS)
@pytest.mark.parametrize("verb", sorted(CHANGES))
def test_an_admin_changes_a_protected_bank_only_with_a_reason(
    actor: Actor, bank_maker: Callable[[str], str], flavour: str, verb: str
) -> None:
    name = bank_maker(flavour)
    admin = staff(actor, "ada", "admin")
    before = snapshot(name)
    for blank in ("", "   "):
        with pytest.raises(Invalid) as refused:
            CHANGES[verb](admin, name, blank)
        assert (refused.value.code, refused.value.status, refused.value.field) == (
            "reason_required",
            422,
            "reason",
        )
        assert snapshot(name) == before

    CHANGES[verb](admin, name, f"  {REASON} ")
    assert snapshot(name) != before
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.actor, event.data["reason"]) == ("user:ada", REASON)


@pytest.mark.parametrize("verb", sorted(CHANGES))
def test_other_roles_cannot_change_a_protected_bank_even_with_a_reason(
    actor: Actor, bank_maker: Callable[[str], str], verb: str
) -> None:
    names = [bank_maker(flavour) for flavour in PROTECTED_FLAVOURS]
    for role in ("lead", "moderator", "compliance"):
        someone = staff(actor, role, role)
        for name in names:
            before = snapshot(name)
            with pytest.raises(Forbidden):
                CHANGES[verb](someone, name, REASON)
            assert snapshot(name) == before
        assert not AuditEvent.objects.filter(actor=f"user:{role}").exists()


@pytest.mark.parametrize("flavour", PROTECTED_FLAVOURS)
@pytest.mark.parametrize("verb", sorted(READS))
def test_hashes_of_a_protected_bank_leave_only_with_a_reason_and_audited(
    actor: Actor, bank_maker: Callable[[str], str], flavour: str, verb: str
) -> None:
    name = bank_maker(flavour)
    compliance = staff(actor, "cleo", "compliance")
    with pytest.raises(Invalid) as refused:
        READS[verb](compliance, name, "")
    assert refused.value.code == "reason_required"
    with pytest.raises(Forbidden):
        READS[verb](staff(actor, "mo", "moderator"), name, REASON)
    assert not AuditEvent.objects.filter(actor__in=["user:cleo", "user:mo"]).exists()

    out = READS[verb](compliance, name, REASON)
    assert "ffffffff" in str(out) or any(e.signal_type == "pdq" for e in out)
    event = AuditEvent.objects.get(actor="user:cleo")
    assert event.action in (BankEvent.EXPORTED, BankEvent.ENTRIES_READ)
    assert event.data == {"name": name, "reason": REASON}


def test_custom_banks_stay_in_the_hands_of_staff_with_manage_banks(actor: Actor) -> None:
    services.create_bank(name="staff-list", actor=actor)
    admin = staff(actor, "ada", "admin")
    services.update_bank(name="staff-list", actor=admin, enabled=False)  # no reason needed
    assert "signal_type" in "".join(services.export_csv(bank_name="staff-list", actor=admin))
    with pytest.raises(Forbidden):
        services.update_bank(name="staff-list", actor=staff(actor, "lee", "lead"), enabled=True)


@pytest.mark.parametrize("kind", ["verified_csam", "ncii", "platform_removed"])
def test_creating_or_turning_into_a_protected_bank_needs_the_role_and_a_reason(
    actor: Actor, kind: str
) -> None:
    admin = staff(actor, "ada", "admin")
    with pytest.raises(Invalid, match="give a reason"):
        services.create_bank(name="new", actor=admin, kind=kind)
    with pytest.raises(Forbidden):
        services.create_bank(
            name="new", actor=staff(actor, "lee", "lead"), kind=kind, reason=REASON
        )
    assert not Bank.objects.exists()
    bank = services.create_bank(name="new", actor=admin, kind=kind, reason=REASON)
    assert AuditEvent.objects.get(action=BankEvent.CREATED).data["reason"] == REASON

    services.create_bank(name="plain", actor=admin)
    with pytest.raises(Invalid, match="give a reason"):
        services.update_bank(name="plain", actor=admin, kind=kind)
    assert services.update_bank(name="plain", actor=admin, kind=kind, reason=REASON).kind == kind
    assert bank.kind == kind


def test_the_operator_needs_a_reason_too(actor: Actor, bank_maker: Callable[[str], str]) -> None:
    name = bank_maker("verified_csam")
    with pytest.raises(Invalid, match="--reason"):
        services.update_bank(name=name, actor=actor, enabled=False)
    assert Bank.objects.get(name=name).enabled


def test_shieldwall_itself_keeps_banking_removed_media_without_a_persons_reason() -> None:
    services.create_bank(name="platform-removed", actor=SYSTEM, kind=BankKind.PLATFORM_REMOVED)
    result = services.add_hashes(
        bank_name="platform-removed", rows=[services.HashRow("md5", MD5_B)], actor=SYSTEM
    )
    assert result.added == 1
    event = AuditEvent.objects.get(action=BankEvent.ENTRIES_ADDED)
    assert (event.actor, event.data["reason"]) == ("system:shieldwall", "automatic")


def test_exchanges_are_attached_and_synced_by_admins_only(actor: Actor, tmp_path: Path) -> None:
    services.create_bank(name="shared", actor=actor)
    listing = tmp_path / "list.txt"
    listing.write_text(f"md5 {MD5_B}\n")
    config = {"path": str(listing)}
    admin = staff(actor, "ada", "admin")
    with pytest.raises(Forbidden):
        add_exchange(
            bank_name="shared",
            api="file",
            config=config,
            actor=staff(actor, "lee", "lead"),
            reason=REASON,
        )
    with pytest.raises(Invalid, match="give a reason"):
        add_exchange(bank_name="shared", api="file", config=config, actor=admin)
    exchange = add_exchange(
        bank_name="shared", api="file", config=config, actor=admin, reason=REASON
    )
    assert AuditEvent.objects.get(action=BankEvent.EXCHANGE_ADDED).data["reason"] == REASON

    with pytest.raises(Forbidden):
        sync_exchange(exchange_id=exchange.pk, actor=staff(actor, "mo", "moderator"))
    result = sync_exchange(
        exchange_id=get_exchange(bank_name="shared", actor=admin).pk, actor=admin
    )
    assert result.added == 1
    synced = AuditEvent.objects.get(action=BankEvent.EXCHANGE_SYNCED)
    assert synced.data["reason"] == "sync from the file exchange"
