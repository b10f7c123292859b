"""Account leads (filled in below)."""

from __future__ import annotations

from datetime import datetime


def find_accounts(*, now: datetime | None = None, max_cases: int | None = None) -> int:
    raise NotImplementedError
