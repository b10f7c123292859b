"""`python -m microblog`: serve, migrate, seed, pull-actions, flush-events, known-pictures."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _setup(*, migrate: bool = True) -> None:
    # Set, not defaulted: a parent process (pytest, `shieldwall demo`) may carry Shieldwall's.
    os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get(
        "MICROBLOG_SETTINGS_MODULE", "microblog.settings"
    )
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            call_command("migrate", interactive=False, verbosity=0)


def _register() -> None:
    """Tell Shieldwall Tidepool's links (fails soft: tried again before the first events)."""
    from microblog.safety.platform import register

    register()


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the microblog under gunicorn."""
    _setup()
    _register()
    from microblog.server import serve

    serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the database schema up to date."""
    _setup(migrate=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return 0


def _flush_events() -> int:
    from microblog.safety import events
    from shieldwall_client import ShieldwallError

    try:
        return events.flush()
    except ShieldwallError as exc:  # fail soft: the events stay in the outbox
        print(f"microblog: events kept for later ({exc})", file=sys.stderr)
        return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """Create the synthetic demo world (once) and send its events to Shieldwall."""
    _setup()
    from microblog.safety.events import sender
    from microblog.safety.scanning import UploadRefused
    from microblog.seeding.world import seed_world

    sender.paused = True  # one flush at the end sends the whole world in a few batches
    _register()
    try:
        result = seed_world(
            accounts=args.accounts,
            posts=args.posts,
            videos=args.videos,
            demo_password=os.environ.get("MICROBLOG_DEMO_PASSWORD") or None,
        )
    except UploadRefused as exc:
        print(f"microblog: seeding stopped: {exc.message}", file=sys.stderr)
        return 1
    sent = _flush_events()
    if result.already:
        print(f"already seeded: {result.accounts} accounts, {result.posts} posts")
    else:
        print(f"seeded {result.accounts} accounts and {result.posts} posts; sent {sent} events")
    if args.reports:
        return _seed_reports()
    return 0


def _seed_reports() -> int:
    from microblog.reporting.flows import FlowUnavailable
    from microblog.seeding.reports import seed_reports
    from shieldwall_client import ShieldwallError

    try:
        seeded = seed_reports()
    except (ShieldwallError, FlowUnavailable) as exc:
        print(f"microblog: no reports seeded ({exc})", file=sys.stderr)
        return 1
    for r in seeded:
        print(f"report: {r.category} {r.subject_type} {r.subject_id} {r.handle}")
    return 0


def cmd_known_pictures(args: argparse.Namespace) -> int:
    """Write the pictures the demo puts in a bank (they are never posted)."""
    from microblog.seeding.pictures import write_known_pictures

    for path in write_known_pictures(Path(args.folder), args.count):
        print(path)
    return 0


def cmd_flush_events(args: argparse.Namespace) -> int:
    """Send the events waiting in the outbox now."""
    _setup()
    print(f"sent {_flush_events()} events")
    return 0


def cmd_pull_actions(args: argparse.Namespace) -> int:
    """Apply Shieldwall's actions by pulling them (for platforms without webhooks)."""
    _setup()
    from microblog.safety.pull import pull_forever, pull_once

    if args.follow:
        pull_forever(interval=args.interval)
        return 0
    print(f"read {pull_once()} actions")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    p = argparse.ArgumentParser(prog="python -m microblog", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the web server")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8001)
    s.add_argument("--workers", type=int, default=2)
    s.add_argument("--threads", type=int, default=4)
    s.set_defaults(func=cmd_serve)
    s = sub.add_parser("migrate", help="apply database migrations")
    s.set_defaults(func=cmd_migrate)
    s = sub.add_parser("seed", help="create the synthetic demo world (once)")
    s.add_argument("--accounts", type=int, default=200)
    s.add_argument("--posts", type=int, default=400)
    s.add_argument("--videos", type=int, default=4)
    s.add_argument(
        "--no-reports",
        dest="reports",
        action="store_false",
        help="do not send the demo's few reports to Shieldwall",
    )
    s.set_defaults(func=cmd_seed)
    s = sub.add_parser("known-pictures", help="write the pictures the demo banks")
    s.add_argument("folder")
    s.add_argument("--count", type=int, default=3)
    s.set_defaults(func=cmd_known_pictures)
    s = sub.add_parser("flush-events", help="send waiting events to Shieldwall now")
    s.set_defaults(func=cmd_flush_events)
    s = sub.add_parser("pull-actions", help="apply Shieldwall's actions by polling")
    s.add_argument("--follow", action="store_true", help="keep polling until interrupted")
    s.add_argument("--interval", type=float, default=5.0)
    s.set_defaults(func=cmd_pull_actions)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m microblog`."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
