"""HTTP edge of actions: the pull API (filled in by the integrations work)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["actions"])
