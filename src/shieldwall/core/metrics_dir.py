"""The folder where gunicorn's worker processes keep their metrics, one file set per process.

prometheus-client chooses between in-memory and file-backed values once, from the
environment, so `shieldwall serve` names the folder before any worker forks (and before a
metric exists). It empties the folder at start (counts of an earlier serve would otherwise be
added to this one's) and tidies a worker's files when gunicorn reaps it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_folder(home: Path, host: str, port: int) -> Path:
    """This serve's folder: one per address in the home, which two live serves cannot share."""
    return home / "run" / f"metrics-{host}-{port}"


def use_multiprocess_folder(folder: Path) -> None:
    """Empty the folder and have every process started from here keep its metrics in it."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    if "prometheus_client.values" in sys.modules:
        # Imported before the folder was named: metrics made from now on must use files too.
        from prometheus_client import values

        values.ValueClass = values.get_value_class()


def worker_exited(pid: int) -> None:
    """Gunicorn reaped a worker: drop the per-process gauge files it left (its counters stay,
    so the totals do not fall when a worker is replaced)."""
    from prometheus_client import multiprocess

    folder = os.environ.get(MULTIPROC_ENV)
    if folder:
        multiprocess.mark_process_dead(pid, folder)
