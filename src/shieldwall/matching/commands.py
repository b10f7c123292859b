"""`shieldwall hash` and `shieldwall scan`: a file's hashes, and its verdict against the banks."""

from __future__ import annotations

import argparse
from typing import Any

from shieldwall.config import load_config
from shieldwall.core.cli_kit import EXIT_FAILED_ITEMS, EXIT_OK, emit, read_file, setup


def cmd_hash(args: argparse.Namespace) -> int:
    """One JSON line per file with its hashes; failures are lines with an error."""
    from shieldwall.core.limits import limits_from, pool_from
    from shieldwall.media.errors import MediaError

    config = load_config()
    limits, pool = limits_from(config), pool_from(config)  # decoded in a killable child
    status = EXIT_OK
    for path in args.files:
        try:
            h = pool.hash_bytes(
                read_file(path, limits.max_bytes),
                limits=limits,
                frames_per_second=None if args.every_frame else 1.0,
            )
        except MediaError as exc:
            emit({"file": path, "error": {"code": exc.code, "message": exc.message}})
            status = EXIT_FAILED_ITEMS
            continue
        out: dict[str, Any] = {
            "file": path,
            "media_type": h.media_type,
            "md5": h.md5,
            "sha256": h.sha256,
            "pdq": h.pdq,
            "pdq_quality": h.pdq_quality,
        }
        if h.media_type == "video":
            out["vpdq"] = [{"second": f.second, "pdq": f.pdq, "quality": f.quality} for f in h.vpdq]
        emit(out)
    return status


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan files against the banks; one verdict per file."""
    setup()
    from django.conf import settings

    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError
    from shieldwall.matching.services import scan_bytes
    from shieldwall.media.errors import MediaError

    actor = cli_actor()
    status = EXIT_OK
    for path in args.files:
        try:
            data = read_file(path, settings.SHIELDWALL.max_upload_bytes)
            verdict = scan_bytes(data=data, actor=actor)
        except (MediaError, ServiceError) as exc:
            status = EXIT_FAILED_ITEMS
            if args.json:
                emit({"file": path, "error": {"code": exc.code, "message": exc.message}})
            else:
                print(f"{path}: error: {exc.message}")
            continue
        matches = [
            {
                "bank": m.bank,
                "signal_type": m.signal_type,
                "distance": m.distance,
                "entry_id": str(m.entry_id),
            }
            for m in verdict.matches
        ]
        if args.json:
            emit({"file": path, "verdict": verdict.verdict, "matches": matches})
        else:
            detail = ", ".join(f"{m['bank']} {m['signal_type']} d={m['distance']}" for m in matches)
            print(f"{path}: {verdict.verdict}" + (f" ({detail})" if detail else ""))
    return status


def register(sub: Any) -> None:
    """hash and scan."""
    s = sub.add_parser("hash", help="print the hashes of media files, one JSON line each")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--every-frame", action="store_true", help="hash every video frame")
    s.set_defaults(func=cmd_hash)

    s = sub.add_parser("scan", help="scan media files against the banks")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--json", action="store_true", help="one JSON object per line")
    s.set_defaults(func=cmd_scan)
