"""Banks of every protected flavour, platform keys with and without the banks scope."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from shieldwall.banks import services
from shieldwall.banks.exchanges import add_exchange
from shieldwall.banks.kinds import BankAction
from shieldwall.banks.models import Bank, BankEntry
from shieldwall.core.actors import Actor
from shieldwall.core.apikeys import create_api_key
from shieldwall.core.models import AuditEvent

REASON = "ticket 41: the quarterly list update"
PDQ_A = "f" * 32 + "0" * 32
MD5_A = "0123456789abcdef" * 2
MD5_B = "fedcba9876543210" * 2
PROTECTED_FLAVOURS = ("verified_csam", "ncii", "platform_removed", "exchange")


def key_client(actor: Actor, name: str, scopes: tuple[str, ...]) -> Client:
    """A test client sending a new platform key that holds these scopes."""
    _, secret = create_api_key(name=name, actor=actor, scopes=scopes)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def fill(name: str, actor: Actor, reason: str = REASON) -> None:
    """Two entries: a PDQ hash, and an MD5 from exchange case `case-1`."""
    rows = [services.HashRow("pdq", PDQ_A), services.HashRow("md5", MD5_A, external_id="case-1")]
    services.add_hashes(bank_name=name, rows=rows, actor=actor, reason=reason)


def make_bank(flavour: str, actor: Actor, tmp_path: Path) -> str:
    """A filled bank of the flavour: a protected kind, or a custom bank an exchange fills."""
    name = f"guarded-{flavour.replace('_', '-')}"
    if flavour == "exchange":
        services.create_bank(name=name, actor=actor, action=BankAction.BLOCK)
        listing = tmp_path / "list.txt"
        listing.write_text(f"pdq {PDQ_A}\n")
        add_exchange(
            bank_name=name, api="file", config={"path": str(listing)}, actor=actor, reason=REASON
        )
    else:
        services.create_bank(
            name=name, actor=actor, kind=flavour, action=BankAction.BLOCK, reason=REASON
        )
    fill(name, actor)
    return name


def snapshot(name: str) -> tuple[Any, ...]:
    """Everything a change could touch: the bank's settings, its entries, the audit log's length."""
    bank = Bank.objects.get(name=name)
    settings = (bank.kind, bank.action, bank.pdq_threshold, bank.enabled, bank.version)
    entries = tuple(
        BankEntry.objects.filter(bank=bank)
        .order_by("id")
        .values_list("id", "signal_type", "value", "enabled")
    )
    return settings, entries, AuditEvent.objects.count()


@pytest.fixture
def reason() -> str:
    return REASON


@pytest.fixture
def bank_maker(actor: Actor, tmp_path: Path) -> Callable[[str], str]:
    return lambda flavour: make_bank(flavour, actor, tmp_path)
