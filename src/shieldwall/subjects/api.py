"""HTTP edge of platform events (filled in by the events work)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["events"])
