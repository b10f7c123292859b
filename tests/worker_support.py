"""Run the worker's periodic jobs, as `shieldwall worker` collects them, on a short interval."""

from __future__ import annotations

import dataclasses
import threading

from shieldwall.core.worker import PERIODIC, collect_jobs, run_job


def run_chores(stop: threading.Event, every: float) -> None:
    """Every periodic job the apps declare, each in its thread, every `every` seconds, until
    `stop` (a thread's target, like the worker's former housekeeping thread)."""
    threads = [
        threading.Thread(target=run_job, args=(dataclasses.replace(job, every=every), stop))
        for job in collect_jobs()
        if job.kind == PERIODIC
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
