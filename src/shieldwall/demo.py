"""`shieldwall demo` (filled in by the demo work)."""

from __future__ import annotations


def run_demo(*, host: str, port: int, microblog_port: int) -> int:
    """Seed the demo world and run every process until interrupted."""
    raise NotImplementedError("shieldwall demo is being built (issue 3)")
