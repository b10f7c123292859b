"""A serving process for tests: answers `match <pdq>` lines with what it matched and how its
indices were come by (built from the database, mapped from a snapshot, caught up)."""

from __future__ import annotations

import json
import os
import sys

import django


def main() -> None:
    """Answer one JSON line per request line until stdin closes."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shieldwall.settings")
    django.setup()
    from shieldwall.matching.registry import registry
    from shieldwall.matching.services import QueryHashes, match_hashes

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        pdq = line.split()[1]
        found = match_hashes(QueryHashes(pdq=pdq, pdq_variants=(pdq,)))
        answer = {
            "entries": sorted(m.entry_id for m in found),
            "builds": registry.builds,
            "loads": registry.loads,
            "catch_ups": registry.catch_ups,
        }
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
