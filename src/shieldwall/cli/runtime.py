"""The commands that run Shieldwall's processes: serve, worker, demo, migrate."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from shieldwall.core.cli_kit import EXIT_OK, fail, setup


def _audit_ready() -> str:
    """Why this process must not start on this database's audit log, or "" (see head_problem).

    A process with another audit key than the log's would fail every audited change."""
    from django.conf import settings

    from shieldwall.core.audit import head_problem

    problem = head_problem()
    if problem:
        return f"refusing to start: {problem}"
    if settings.SHIELDWALL.database_url.startswith("postgres") and not os.environ.get(
        "SHIELDWALL_AUDIT_KEY"
    ):
        print(
            "shieldwall: warning: SHIELDWALL_AUDIT_KEY is not set, so this process keys the "
            f"audit log with the key kept in {settings.SHIELDWALL.home}; every machine on this "
            "database needs that same key (set SHIELDWALL_AUDIT_KEY on each).",
            file=sys.stderr,
        )
    return ""


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the web service (API and staff pages) under gunicorn."""
    setup(quiet=False)
    if problem := _audit_ready():
        return fail(problem)
    from shieldwall.server import serve

    serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    """Run background jobs from the database queue, and beside it every job the apps
    declare in their `jobs.py` (outbox, filers, escalation, audit checkpoint, ...)."""
    setup(quiet=False)
    if problem := _audit_ready():
        return fail(problem)
    from django.core.management import call_command

    from shieldwall.core.worker import Worker, collect_jobs

    with Worker(collect_jobs()):
        call_command(
            "db_worker", interval=args.interval, max_tasks=args.max_tasks, startup_delay=False
        )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Seed a synthetic world and run Shieldwall, its worker and the reference microblog."""
    setup(quiet=False)
    from shieldwall.demo import run_demo

    return run_demo(
        host=args.host,
        port=args.port,
        microblog_port=args.microblog_port,
        world=(args.accounts, args.posts, args.videos),
    )


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply database migrations."""
    setup(migrate=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return EXIT_OK


def register(sub: Any) -> None:
    """serve, worker, demo and migrate."""
    s = sub.add_parser("serve", help="run the web service")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    s.add_argument("--threads", type=int, default=4)
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("worker", help="run background jobs")
    s.add_argument("--interval", type=float, default=1.0)
    s.add_argument("--max-tasks", type=int, default=None)
    s.set_defaults(func=cmd_worker)

    s = sub.add_parser("demo", help="seed a demo world and run everything with the microblog")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--microblog-port", type=int, default=8001)
    s.add_argument("--accounts", type=int, default=200, help="seeded accounts (first run)")
    s.add_argument("--posts", type=int, default=400, help="seeded posts (first run)")
    s.add_argument("--videos", type=int, default=4, help="seeded videos (first run)")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("migrate", help="apply database migrations")
    s.set_defaults(func=cmd_migrate)
