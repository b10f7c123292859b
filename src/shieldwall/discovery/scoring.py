"""Scoring candidate tags (filled in below)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

RESUGGEST_GROWTH = 2.0


def score_tags(*, now: datetime | None = None) -> int:
    raise NotImplementedError


def learn(features: dict[str, Any], *, label: bool) -> dict[str, float]:
    raise NotImplementedError


def current_weights() -> tuple[dict[str, float], float]:
    raise NotImplementedError
