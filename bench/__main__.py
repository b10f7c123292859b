"""`make bench`: every benchmark the issues name, each printing its ratio to its baseline.

python -m bench [--only hash,match,index,scan,nearcopy,api,hostile,terms,termsapi,discovery]
               [--sizes 1000000,10000000] [--queries 1000] [--scan-sizes 1000,1000000,10000000]
               [--images 200] [--seconds 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    """Run the selected benchmarks and save their results under artifacts/bench/."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument(
        "--only", default="hash,match,index,scan,nearcopy,api,hostile,terms,termsapi,discovery"
    )
    p.add_argument("--images", type=int, default=200)
    p.add_argument("--sizes", default="1000000,10000000")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--scan-sizes", default="1000,1000000,10000000")
    p.add_argument("--scan-seconds", type=float, default=10.0)
    p.add_argument("--database-url", default="")
    a = p.parse_args()
    only = set(a.only.split(","))
    results: dict[str, object] = {}
    if "hash" in only:
        from bench import bench_hash

        print("\n== Image scan throughput (hash + match, one process) vs threatexchange ==")
        results["hash"] = bench_hash.run(a.images)
        bench_hash.report(results["hash"])  # type: ignore[arg-type]
    if "match" in only:
        from bench import bench_match

        print("\n== Match latency, 8 PDQ variants, vs threatexchange's PDQ multi-hash index ==")
        results["match"] = bench_match.run([int(s) for s in a.sizes.split(",")], a.queries)
    if "index" in only:
        from bench import bench_index

        print("\n== Bank index snapshots and the change log vs today's per-process rebuild ==")
        sizes = [int(s) for s in a.sizes.split(",")]
        for url in ["", a.database_url] if a.database_url else [""]:
            r = bench_index.run(sizes, queries=a.queries, database_url=url)
            results[f"index_{'postgresql' if url else 'sqlite'}"] = r
    if "scan" in only:
        from bench import bench_scan

        print("\n== Scans and HMA-style lookups against banks of every signal type, by size ==")
        scan_sizes = [int(s) for s in a.scan_sizes.split(",")]
        for url in ["", a.database_url] if a.database_url else [""]:
            r = bench_scan.run(scan_sizes, a.scan_seconds, url)
            results[f"scan_{r['database']}"] = r
    if "nearcopy" in only:
        from bench import bench_nearcopy

        print("\n== Near copies: edited re-uploads matched, false matches, bank growth, cost ==")
        results["nearcopy"] = bench_nearcopy.run(database_url=a.database_url)
    if "api" in only:
        from bench import bench_api

        print("\n== POST /api/v1/scan, 16 concurrent clients on loopback ==")
        for url in ["", a.database_url] if a.database_url else [""]:
            r = bench_api.run(seconds=a.seconds, database_url=url)
            bench_api.report(r)
            results[f"api_{r['database']}"] = r
    if "hostile" in only:
        from bench import bench_hostile

        print("\n== Hostile media against shieldwall serve, and the cost of decoding in a child ==")
        results["hostile"] = bench_hostile.run(images=min(a.images, 100))
        bench_hostile.report(results["hostile"])
    if "terms" in only:
        from bench import bench_terms

        print("\n== Hashtag checks in process, one core, 10,000 rules, vs the stub and a set ==")
        results["terms"] = bench_terms.run()
        bench_terms.report(results["terms"])  # type: ignore[arg-type]
    if "termsapi" in only:
        from bench import bench_terms_api

        print("\n== POST /api/v1/hashtags/check and /search/check, 16 clients, vs 0 rules ==")
        for url in ["", a.database_url] if a.database_url else [""]:
            r = bench_terms_api.run(seconds=a.seconds, database_url=url)
            bench_terms_api.report(r)
            results[f"termsapi_{'postgresql' if url else 'sqlite'}"] = r
    if "discovery" in only:
        from bench import bench_discovery

        print("\n== Discovery: a community rotating tags, a viral decoy, the graph's rate ==")
        for url in ["", a.database_url] if a.database_url else [""]:
            r = bench_discovery.run(database_url=url)
            bench_discovery.report(r)
            results[f"discovery_{'postgresql' if url else 'sqlite'}"] = r
    out = Path("artifacts/bench")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nresults saved to {path}")


if __name__ == "__main__":
    main()
