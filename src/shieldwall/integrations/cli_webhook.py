"""`shieldwall webhook ...` commands (filled in by the integrations work)."""

from __future__ import annotations

from typing import Any


def add_parser(subparsers: Any) -> None:
    """Add the webhook verbs to the top-level command parsers."""
