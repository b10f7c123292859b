"""What /metrics's instruments add to one scan, against a budget of 1% of a scan's p50.

Run: python -m bench.bench_metrics [--scans 100000] [--scan-p50-ms 48]

Times matching's `record_scan` and `record_match` (what `scan_bytes` calls once each per
scan) in a fresh process: once with in-memory values (tests, one process) and once with a
multiprocess folder (as under `shieldwall serve`, a memory-mapped file per process), then a
scrape of that folder. The default p50 is the one-client scan p50 that `bench.bench_scan
--sizes 1000` measured on the development machine; pass your own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

# Run in a child process, so prometheus-client picks its value class from this environment.
_CHILD = """
import json, sys, time
from shieldwall.matching.metrics import record_match, record_scan
n = int(sys.argv[1])
started = time.perf_counter()
for i in range(n):
    record_match(0.002)
    record_scan(verdict=("allow", "block", "review")[i % 3], bank_kind="custom", seconds=0.05)
per_scan = (time.perf_counter() - started) / n
scrape = 0.0
if "PROMETHEUS_MULTIPROC_DIR" in __import__("os").environ:
    from shieldwall.core.metrics import exposition
    started = time.perf_counter()
    exposition(())
    scrape = time.perf_counter() - started
print(json.dumps({"per_scan_us": per_scan * 1e6, "scrape_ms": scrape * 1e3}))
"""


def _measure(scans: int, folder: str | None) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    if folder:
        env["PROMETHEUS_MULTIPROC_DIR"] = folder
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(scans)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures: dict[str, float] = json.loads(out)
    return figures


def run(scans: int, scan_p50_ms: float) -> dict[str, float]:
    """Measure both modes and print each against the budget."""
    budget_us = scan_p50_ms * 1000 * 0.01
    memory = _measure(scans, None)
    with tempfile.TemporaryDirectory() as folder:
        files = _measure(scans, folder)
    print(f"instruments per scan, one process:  {memory['per_scan_us']:6.1f} us")
    print(
        f"instruments per scan, multiprocess: {files['per_scan_us']:6.1f} us "
        f"({files['per_scan_us'] / budget_us:.1%} of the budget of {budget_us:.0f} us, "
        f"1% of a {scan_p50_ms:g} ms scan p50)"
    )
    print(f"scrape of the multiprocess folder:  {files['scrape_ms']:6.1f} ms")
    return {
        "memory_per_scan_us": memory["per_scan_us"],
        "multiprocess_per_scan_us": files["per_scan_us"],
        "scrape_ms": files["scrape_ms"],
        "budget_us": budget_us,
    }


def main() -> None:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scans", type=int, default=100_000)
    p.add_argument("--scan-p50-ms", type=float, default=48.0)
    a = p.parse_args()
    run(a.scans, a.scan_p50_ms)


if __name__ == "__main__":
    main()
