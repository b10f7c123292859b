"""What every `shieldwall` subcommand shares: exit codes, output, errors, Django's start.

App command modules (`<app>/commands.py`) import this, never the command line's top
(`shieldwall.cli`, the edge above every app), so no import runs in a circle or up the
layers; nothing here imports a model before `setup()`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from shieldwall.config import load_config

EXIT_OK, EXIT_FAILED_ITEMS, EXIT_ERROR = 0, 2, 1


def fail(message: str, code: int = EXIT_ERROR) -> int:
    """Say what went wrong on stderr; -> the exit code to return."""
    print(f"shieldwall: {message}", file=sys.stderr)
    return code


def emit(obj: dict[str, Any]) -> None:
    """Print one JSON object on its own line (the machine-readable output of commands)."""
    print(json.dumps(obj, separators=(", ", ": ")), flush=True)


def setup(*, migrate: bool = True, quiet: bool = True) -> None:
    """Validate the configuration, start Django, and bring the schema up to date."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shieldwall.settings")
    if quiet:  # one-shot commands print their results; logs only for warnings
        os.environ.setdefault("SHIELDWALL_LOG_LEVEL", "WARNING")
    load_config()  # raises ConfigError with a clear message before Django starts
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            call_command("migrate", interactive=False, verbosity=0)


def read_file(path: str, max_bytes: int) -> bytes:
    """A media file's bytes, refused with a MediaError when missing, odd, or too large."""
    from shieldwall.media.errors import MediaError

    p = Path(path)
    if not p.exists():
        raise MediaError("not_found", f"{path} does not exist.")
    if not p.is_file():
        raise MediaError("not_a_file", f"{path} is not a regular file.")
    size = p.stat().st_size
    if size > max_bytes:
        raise MediaError("too_large", f"{path} is {size} bytes; the limit is {max_bytes}.")
    return p.read_bytes()


def add_reason_argument(parser: argparse.ArgumentParser) -> None:
    """--reason, which a change to a protected bank needs (and the audit log keeps)."""
    parser.add_argument(
        "--reason",
        default="",
        help="why (needed for protected banks: verified CSAM, NCII, platform-removed, "
        "exchange-filled; kept in the audit log)",
    )
