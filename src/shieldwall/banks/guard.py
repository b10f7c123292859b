"""Who may change a bank, or read its hashes: the one place bank services ask.

A platform key (with the `banks` scope) creates custom banks, which it then owns, and changes
or reads only those. Protected banks (verified CSAM, NCII, platform-removed, and any bank an
exchange fills) hold what must never be posted; turning one off, loosening it, emptying it or
copying its hashes out would help the very people it stops. They are changed only by staff
holding `manage_protected_bank` (or the operator at the shell), and their hashes read only with
`export_protected_bank`; every such act names a reason, which goes into its audit event.
Shieldwall itself (the system actor: removal banking, exchange syncs) needs no person's reason.
"""

from __future__ import annotations

from shieldwall.banks.kinds import PROTECTED_KINDS, RESERVED_NAMES, BankKind
from shieldwall.banks.models import Bank, BankExchange
from shieldwall.banks.permissions import (
    EXPORT_PROTECTED_BANKS,
    MANAGE_BANKS,
    MANAGE_PROTECTED_BANKS,
    VIEW_BANKS,
)
from shieldwall.core.actors import Actor, ActorKind, require
from shieldwall.core.errors import Forbidden, Invalid
from shieldwall.core.models import ApiKey

MAX_REASON = 500
SYSTEM_REASON = "automatic"


def is_protected(bank: Bank) -> bool:
    """Whether the bank is one that only staff may change (by kind, or filled by an exchange)."""
    return bank.kind in PROTECTED_KINDS or BankExchange.objects.filter(bank=bank).exists()


def clean_reason(reason: str) -> str:
    """The reason trimmed, or Invalid if it is too long or holds control characters."""
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise Invalid(
            "invalid_reason", f"A reason is at most {MAX_REASON} characters.", field="reason"
        )
    if not reason.isprintable():
        raise Invalid("invalid_reason", "A reason is plain text.", field="reason")
    return reason


def key_of(actor: Actor) -> ApiKey | None:
    """The API key behind a platform actor (None for anyone else)."""
    if actor.kind != ActorKind.APIKEY:
        return None
    return ApiKey.objects.filter(name=actor.name).first()


def _owns(bank: Bank, actor: Actor) -> bool:
    return (
        bank.owner_id is not None
        and ApiKey.objects.filter(pk=bank.owner_id, name=actor.name).exists()
    )


def reason_for(*, actor: Actor, reason: str, what: str) -> str:
    """The reason to record for an act on a protected bank; Invalid if a person gave none."""
    reason = clean_reason(reason)
    if reason:
        return reason
    if actor.kind == ActorKind.SYSTEM:
        return SYSTEM_REASON
    raise Invalid(
        "reason_required",
        f"{what}: give a reason (the command line's --reason); it is kept in the audit log.",
        field="reason",
    )


def _staff_with_reason(*, actor: Actor, permission: str, reason: str, what: str) -> str:
    """The reason to record for a protected-bank act, or Forbidden / Invalid (reason missing)."""
    if actor.kind == ActorKind.APIKEY:
        raise Forbidden("protected_bank", f"{what}: platform API keys cannot do this.")
    require(actor, permission)
    return reason_for(actor=actor, reason=reason, what=what)


def _label(bank: Bank) -> str:
    if bank.kind in PROTECTED_KINDS:
        return f"Bank {bank.name!r} is protected ({BankKind(bank.kind).label})"
    return f"Bank {bank.name!r} is protected (filled by a hash exchange)"


def check_create(*, name: str, kind: str, actor: Actor, reason: str = "") -> str:
    """The reason to record for creating a bank of this kind, or why the actor may not."""
    require(actor, MANAGE_BANKS)
    reason = clean_reason(reason)
    if actor.kind == ActorKind.APIKEY:
        if kind != BankKind.CUSTOM:
            raise Forbidden(
                "protected_kind",
                f"Platform API keys create custom banks only, not {kind} banks.",
                field="kind",
            )
        if name in RESERVED_NAMES:
            raise Forbidden(
                "reserved_name", f"The bank name {name!r} is kept for Shieldwall.", field="name"
            )
    if kind in PROTECTED_KINDS:
        what = f"A {kind} bank is protected"
        return _staff_with_reason(
            actor=actor, permission=MANAGE_PROTECTED_BANKS, reason=reason, what=what
        )
    return reason


def check_change(*, bank: Bank, actor: Actor, reason: str = "", new_kind: str | None = None) -> str:
    """The reason to record for changing the bank (settings or entries), or why not."""
    require(actor, MANAGE_BANKS)
    reason = clean_reason(reason)
    if is_protected(bank):
        return _staff_with_reason(
            actor=actor, permission=MANAGE_PROTECTED_BANKS, reason=reason, what=_label(bank)
        )
    if actor.kind == ActorKind.APIKEY and not _owns(bank, actor):
        raise Forbidden("not_bank_owner", f"Bank {bank.name!r} was not created with this API key.")
    if new_kind is not None and new_kind != bank.kind:
        return check_create(name=bank.name, kind=new_kind, actor=actor, reason=reason)
    return reason


def check_read_hashes(*, bank: Bank, actor: Actor, reason: str = "") -> tuple[bool, str]:
    """Whether the bank is protected and the reason to record, or why its hashes stay in."""
    require(actor, VIEW_BANKS)
    reason = clean_reason(reason)
    if is_protected(bank):
        what = f"{_label(bank)}: its hashes are not handed out"
        return True, _staff_with_reason(
            actor=actor, permission=EXPORT_PROTECTED_BANKS, reason=reason, what=what
        )
    if actor.kind == ActorKind.APIKEY and not _owns(bank, actor):
        raise Forbidden("not_bank_owner", f"Bank {bank.name!r} was not created with this API key.")
    return False, reason
