"""Priority: a tier from the category, raised by signals; a deadline from the tier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from shieldwall.banks.kinds import BankKind
from shieldwall.cases.models import Tier
from shieldwall.reports.categories import Category

# Signals that bring a case forward: each halves the time left to its deadline (down to 1/8).
VERIFIED_MATCH = "verified_bank_match"
BANK_MATCH = "bank_match"
DEPICTED_REPORTER = "reported_by_person_depicted"
TRUSTED_FLAGGER = "trusted_flagger"
FAST_REACH = "fast_growing_reach"
NEW_ACCOUNT = "new_account"
MANY_REPORTERS = "many_reporters"

NEW_ACCOUNT_DAYS = 7
FAST_REACH_VIEWS_PER_HOUR = 1000
MANY_REPORTERS_COUNT = 5


@dataclass(frozen=True)
class Priority:
    """Where a case stands in the queue."""

    tier: int
    signals: tuple[str, ...]
    deadline_at: datetime


def tier_of(category: str, bank_kinds: set[str]) -> int:
    """CSE first, then NCII, then the rest; a verified or NCII bank match raises the tier."""
    if category == Category.CSE or BankKind.VERIFIED_CSAM in bank_kinds:
        return Tier.CSE
    if category == Category.NCII or BankKind.NCII in bank_kinds:
        return Tier.NCII
    return Tier.OTHER


def tier_window(tier: int) -> timedelta:
    """The configured review deadline of a tier."""
    c = settings.SHIELDWALL
    minutes = {
        Tier.CSE: c.deadline_cse_minutes,
        Tier.NCII: c.deadline_ncii_minutes,
    }.get(Tier(tier), c.deadline_other_minutes)
    return timedelta(minutes=minutes)


def prioritise(
    *, category: str, bank_kinds: set[str], signals: set[str], opened_at: datetime
) -> Priority:
    """The tier and deadline for a case with these reports and signals."""
    tier = tier_of(category, bank_kinds)
    factor = 0.5 ** min(len(signals), 3)
    deadline = opened_at + tier_window(tier) * factor
    return Priority(tier, tuple(sorted(signals)), deadline)


def near_deadline(*, opened_at: datetime, deadline_at: datetime, now: datetime) -> bool:
    """True once four fifths of the time to the deadline have passed."""
    return now >= opened_at + (deadline_at - opened_at) * 0.8
