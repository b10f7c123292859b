"""The fuzzing run's count of requests, printed at the end of the session."""

from __future__ import annotations

from collections import Counter

import pytest

# (operation, status) -> requests sent
FUZZ_COUNTS: Counter[tuple[str, int]] = Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FUZZ_COUNTS:
        return
    operations = {op for op, _ in FUZZ_COUNTS}
    by_status: Counter[int] = Counter()
    for (_, status), n in FUZZ_COUNTS.items():
        by_status[status] += n
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(by_status.items()))
    terminalreporter.write_line(
        f"API fuzzing: {sum(FUZZ_COUNTS.values())} requests over {len(operations)} operations "
        f"({statuses})"
    )
