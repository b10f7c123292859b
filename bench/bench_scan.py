"""POST /api/v1/scan and /lookup against banks of 1 k, 1 M and 10 M entries of every signal type.

Run: python -m bench.bench_scan [--sizes 1000,1000000,10000000] [--seconds 10]
                                [--database-url postgres://.../name]

Each bank holds MD5, SHA-256 and PDQ entries in equal numbers (one of each per item, as a
hash list of images has them) and a vPDQ entry every thousandth item, plus the hashes of the
photos the benchmark uploads. The bank is bulk-loaded (COPY on PostgreSQL, executemany in
large transactions on SQLite, secondary indexes dropped during the load and rebuilt after)
into a database kept between runs: `<name>_scan_<size>` on PostgreSQL, a file under
artifacts/bench/scan-db/ for SQLite. A database whose bank has the expected number of entries
is reused as it is; delete it (or pass --rebuild) to build it again.

Every size gets its own `shieldwall serve` (2 workers x 4 threads), all running at once.
One client sends each request to every server in turn (so load from other work on the host
falls on every size alike), then 16 clients hammer each server alone, each for --seconds, of
scans (1024x768 JPEGs with a media_id, as platforms send them: exact copies of
banked photos, mirrored copies, and unrelated pictures) and of HMA-style hash lookups
(MD5 + SHA-256 + PDQ of the same pictures).
"""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image, ImageOps
from skimage import data as skdata

from bench.support import bench_env, cli, running_server
from shieldwall.media import hash_bytes

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "artifacts" / "bench" / "scan-db"
BANK = "bench-scan-v1"
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera", "retina", "hubble_deep_field")
VIDEO_EVERY = 1000  # one vPDQ entry (10 frames) per this many items
CHUNK = 500_000
COLUMNS = ("bank_id", "signal_type", "value", "quality", "note", "source", "external_id", "enabled")


def _jpeg(img: Image.Image, size: tuple[int, int] = (1024, 768), quality: int = 85) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").resize(size).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _pictures() -> tuple[list[bytes], list[bytes]]:
    """Photos to bank; uploads: exact copies, mirrored copies, and unrelated noise pictures."""
    banked, uploads = [], []
    for n, name in enumerate(PHOTOS):
        img = Image.fromarray(getattr(skdata, name)()).convert("RGB")
        banked.append(_jpeg(img))
        uploads.append(banked[-1])
        uploads.append(_jpeg(ImageOps.mirror(img), quality=60 + n))
        rng = np.random.default_rng(n)
        noise = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
        uploads.append(_jpeg(Image.fromarray(noise).resize((1024, 768), Image.Resampling.BICUBIC)))
    return banked, uploads


def _rows(bank_id: int, size: int, seed: int = 11) -> Iterator[list[tuple[object, ...]]]:
    """Chunks of `size` random entries: md5, sha256 and pdq per item, a vpdq now and then."""
    rng = np.random.default_rng(seed)
    made, item = 0, 0
    while made < size:
        n = min(CHUNK // 3 + 1, (size - made) // 3 + 1)
        md5 = rng.integers(0, 256, (n, 16), dtype=np.uint8)
        sha = rng.integers(0, 256, (n, 32), dtype=np.uint8)
        pdq = rng.integers(0, 256, (n, 32), dtype=np.uint8)
        chunk: list[tuple[object, ...]] = []
        for i in range(n):
            for signal, value, quality in (
                ("md5", md5[i].tobytes().hex(), None),
                ("sha256", sha[i].tobytes().hex(), None),
                ("pdq", pdq[i].tobytes().hex(), 100),
            ):
                chunk.append((bank_id, signal, value, quality, "", "import", "", True))
            if (item + i) % VIDEO_EVERY == VIDEO_EVERY - 1:
                frames = rng.integers(0, 256, (10, 32), dtype=np.uint8)
                value = json.dumps(
                    [f"{f.tobytes().hex()},100,{s}.000" for s, f in enumerate(frames)]
                )
                chunk.append((bank_id, "vpdq", value, None, "", "import", "", True))
        item += n
        chunk = chunk[: size - made]
        made += len(chunk)
        yield chunk


def _load_postgres(url: str, bank_id: int, size: int) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'banks_bankentry'"
            " AND indexname NOT LIKE '%pkey'"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        cols = ", ".join(COLUMNS)
        with conn.cursor() as cur:
            for chunk in _rows(bank_id, size):
                with cur.copy(f"COPY banks_bankentry ({cols}, created_at) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row((*row, "now"))
                conn.commit()
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("UPDATE banks_bank SET version = version + 1")
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE banks_bankentry")


def _load_sqlite(path: Path, bank_id: int, size: int) -> None:
    conn = sqlite3.connect(path)
    try:
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            " AND tbl_name = 'banks_bankentry' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        marks = ", ".join("?" * (len(COLUMNS) + 1))
        sql = f"INSERT INTO banks_bankentry ({', '.join(COLUMNS)}, created_at) VALUES ({marks})"
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        for chunk in _rows(bank_id, size):
            with conn:
                conn.executemany(sql, [(*row, now) for row in chunk])
        with conn:
            for _, definition in indexes:
                conn.execute(definition)
            conn.execute("UPDATE banks_bank SET version = version + 1")
    finally:
        conn.close()


def _imported(url: str, sqlite_path: Path | None) -> int:
    """Bulk-loaded entries in the benchmark bank, or -1 when the database or bank is not there."""
    query = (
        "SELECT count(*) FROM banks_bankentry e JOIN banks_bank b ON b.id = e.bank_id"
        " WHERE b.name = %s AND e.source = 'import'"
    )
    try:
        if sqlite_path is not None:
            if not sqlite_path.exists():
                return -1
            conn = sqlite3.connect(sqlite_path)
            try:
                return int(conn.execute(query.replace("%s", "?"), (BANK,)).fetchone()[0])
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(url) as pg:
            row = pg.execute(query, (BANK,)).fetchone()
            return int(row[0]) if row else -1
    except Exception:
        return -1


def _bank_id(url: str, sqlite_path: Path | None) -> int:
    query = "SELECT id FROM banks_bank WHERE name = %s"
    if sqlite_path is not None:
        conn = sqlite3.connect(sqlite_path)
        try:
            return int(conn.execute(query.replace("%s", "?"), (BANK,)).fetchone()[0])
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url) as pg:
        row = pg.execute(query, (BANK,)).fetchone()
        assert row is not None
        return int(row[0])


def build(size: int, database_url: str, banked: list[bytes], rebuild: bool) -> dict[str, Any]:
    """The environment of a database holding a bank of `size` entries (built or reused)."""
    started = time.monotonic()
    sqlite_path: Path | None = None
    if database_url:
        base = database_url.rsplit("/", 1)[0]
        url = f"{database_url}_scan_{size}"
    else:
        CACHE.mkdir(parents=True, exist_ok=True)
        sqlite_path = CACHE / f"scan-{size}.sqlite3"
        url = f"sqlite:///{sqlite_path}"
    env = bench_env("sw-bench-scan-", url)
    if not rebuild and _imported(url, sqlite_path) == size:
        return {"env": env, "reused": True, "build_s": time.monotonic() - started}
    if database_url:
        from bench.support import fresh_postgres

        fresh_postgres(f"{base}/postgres", url.rsplit("/", 1)[1])
    elif sqlite_path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    cli(env, "bank", "create", BANK, "--action", "block", "--kind", "custom")
    for n, data in enumerate(banked):
        path = Path(env["SHIELDWALL_HOME"]) / f"banked-{n}.jpg"
        path.write_bytes(data)
        cli(env, "bank", "add", BANK, str(path))
    bank_id = _bank_id(url, sqlite_path)
    if sqlite_path is not None:
        _load_sqlite(sqlite_path, bank_id, size)
    else:
        _load_postgres(url, bank_id, size)
    count = _imported(url, sqlite_path)
    assert count == size, (count, size)
    return {"env": env, "reused": False, "build_s": time.monotonic() - started}


def _figures(latencies: list[float], elapsed: float, errors: int, clients: int) -> dict[str, Any]:
    ms = np.array(latencies) * 1000
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
    }


Send = Callable[[httpx.Client, int], int]


def _client(base: str, key: str, timeout: float = 120) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=timeout)


def _hammer(base: str, key: str, clients: int, seconds: float, send: Send) -> dict[str, Any]:
    """`clients` concurrent clients sending for `seconds`."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(n: int) -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with _client(base, key) as c:
            i = n
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                status = send(c, i)
                mine.append(time.perf_counter() - t0)
                bad += status != 200
                i += 1
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _figures(latencies, time.monotonic() - started, errors, clients)


def _interleaved(
    servers: list[tuple[str, str]], seconds: float, send: Send
) -> list[dict[str, Any]]:
    """One client sending the same request to each server in turn, so load on the host
    (shared with other work) falls on every bank size alike."""
    latencies: list[list[float]] = [[] for _ in servers]
    errors = [0 for _ in servers]
    clients = [_client(base, key) for base, key in servers]
    stop_at = time.monotonic() + seconds * len(servers)
    i = 0
    try:
        while time.monotonic() < stop_at:
            for n, c in enumerate(clients):
                t0 = time.perf_counter()
                errors[n] += send(c, i) != 200
                latencies[n].append(time.perf_counter() - t0)
            i += 1
    finally:
        for c in clients:
            c.close()
    return [_figures(lat, sum(lat), err, 1) for lat, err in zip(latencies, errors, strict=True)]


def _senders(uploads: list[bytes]) -> tuple[Send, Send]:
    lookups = []
    for data in uploads:
        h = hash_bytes(data)
        lookups.append(
            {"md5": h.md5, "sha256": h.sha256, "pdq": h.pdq, "pdq_quality": h.pdq_quality}
        )

    def scan(c: httpx.Client, i: int) -> int:
        files = {"media": ("u.jpg", uploads[i % len(uploads)])}
        r = c.post("/api/v1/scan", files=files, data={"media_id": f"bench-{uuid.uuid4().hex}"})
        return r.status_code

    def lookup(c: httpx.Client, i: int) -> int:
        return c.post("/api/v1/lookup", json=lookups[i % len(lookups)]).status_code

    return scan, lookup


def _warm(base: str, key: str, uploads: list[bytes], scan: Send) -> dict[str, int]:
    """Build both server processes' indices; return the verdicts of the uploads."""
    verdicts: dict[str, int] = {}
    with _client(base, key, timeout=1800) as c:
        for data in uploads:
            verdict = c.post("/api/v1/scan", files={"media": ("u.jpg", data)}).json()["verdict"]
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
    _hammer(base, key, 8, 5.0, scan)
    return verdicts


def run(
    sizes: list[int], seconds: float = 10.0, database_url: str = "", rebuild: bool = False
) -> dict[str, Any]:
    """Build (or reuse) each bank, measure scans and lookups; print and return the figures."""
    banked, uploads = _pictures()
    scan, lookup = _senders(uploads)
    database = "postgresql" if database_url else "sqlite"
    rows: list[dict[str, Any]] = []
    for size in sizes:
        built = build(size, database_url, banked, rebuild)
        rows.append({"size": size, "database": database, **built})
    with ExitStack() as stack:
        servers = []
        for row in rows:
            env = row.pop("env")
            key = cli(env, "apikey", "create", f"bench-{uuid.uuid4().hex[:8]}").split()[-1]
            base = stack.enter_context(running_server(env, workers=2, threads=4))
            started = time.monotonic()
            row["verdicts"] = _warm(base, key, uploads, scan)
            row["warm_s"] = time.monotonic() - started
            servers.append((base, key))
        for name, send in (("scan", scan), ("lookup", lookup)):
            for row, figures in zip(rows, _interleaved(servers, seconds, send), strict=True):
                row[f"{name}_1"] = figures
        for row, (base, key) in zip(rows, servers, strict=True):
            for name, send in (("scan", scan), ("lookup", lookup)):
                row[f"{name}_16"] = _hammer(base, key, 16, seconds, send)
    for row in rows:
        report_row(row)
    smallest = rows[0]
    for row in rows[1:]:
        ratio = row["scan_1"]["p50_ms"] / smallest["scan_1"]["p50_ms"]
        row["scan_p50_ratio_to_smallest"] = ratio
        print(
            f"{database}: scan p50, one client, {row['size']:,} vs {smallest['size']:,} "
            f"entries: x{ratio:.2f}"
        )
    return {"database": database, "seconds": seconds, "rows": rows}


def report_row(r: dict[str, Any]) -> None:
    """Print one bank size's figures."""
    how = "reused" if r["reused"] else "built"
    print(
        f"{r['database']} bank of {r['size']:,} entries ({how} in {r['build_s']:.0f} s, "
        f"servers warm in {r['warm_s']:.0f} s, verdicts {r['verdicts']}):"
    )
    for name in ("scan_1", "scan_16", "lookup_1", "lookup_16"):
        m = r[name]
        kind, clients = name.split("_")
        print(
            f"  {kind:>6} {clients:>2} client{'s' if clients != '1' else ' '}: "
            f"p50 {m['p50_ms']:7.1f} ms  p99 {m['p99_ms']:7.1f} ms  "
            f"{m['throughput_rps']:6.1f} req/s  ({m['requests']} requests, {m['errors']} errors)"
        )


def main() -> None:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,1000000,10000000")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--database-url", default="")
    p.add_argument("--rebuild", action="store_true", help="build the banks again")
    a = p.parse_args()
    run([int(s) for s in a.sizes.split(",")], a.seconds, a.database_url, a.rebuild)


if __name__ == "__main__":
    main()
