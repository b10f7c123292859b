"""The `shieldwall` command: serve, worker, hash, bank, scan, apikey, createadmin, audit."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from shieldwall.config import ConfigError, load_config

EXIT_OK, EXIT_FAILED_ITEMS, EXIT_ERROR = 0, 2, 1


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"shieldwall: {message}", file=sys.stderr)
    return code


def _setup(*, migrate: bool = True, quiet: bool = True) -> None:
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


def _emit(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, separators=(", ", ": ")), flush=True)


def _read_file(path: str, max_bytes: int) -> bytes:
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
                _read_file(path, limits.max_bytes),
                limits=limits,
                frames_per_second=None if args.every_frame else 1.0,
            )
        except MediaError as exc:
            _emit({"file": path, "error": {"code": exc.code, "message": exc.message}})
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
        _emit(out)
    return status


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan files against the banks; one verdict per file."""
    _setup()
    from django.conf import settings

    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError
    from shieldwall.matching.services import scan_bytes
    from shieldwall.media.errors import MediaError

    actor = cli_actor()
    status = EXIT_OK
    for path in args.files:
        try:
            data = _read_file(path, settings.SHIELDWALL.max_upload_bytes)
            verdict = scan_bytes(data=data, actor=actor)
        except (MediaError, ServiceError) as exc:
            status = EXIT_FAILED_ITEMS
            if args.json:
                _emit({"file": path, "error": {"code": exc.code, "message": exc.message}})
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
            _emit({"file": path, "verdict": verdict.verdict, "matches": matches})
        else:
            detail = ", ".join(f"{m['bank']} {m['signal_type']} d={m['distance']}" for m in matches)
            print(f"{path}: {verdict.verdict}" + (f" ({detail})" if detail else ""))
    return status


def cmd_bank(args: argparse.Namespace) -> int:
    """Bank management: create, update, add, import, export, list, remove, withdraw."""
    _setup()
    from shieldwall.banks import services
    from shieldwall.banks.guard import is_protected
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError
    from shieldwall.media.errors import MediaError

    actor = cli_actor()
    try:
        if args.bank_cmd == "create":
            bank = services.create_bank(
                name=args.name,
                actor=actor,
                enabled=not args.disabled,
                reason=args.reason,
                **_bank_settings(args),
            )
            print(
                f"created bank {bank.name} (kind {bank.kind}, action {bank.action}, "
                f"pdq threshold {bank.pdq_threshold})"
            )
        elif args.bank_cmd == "update":
            enabled = None if args.enabled is None else args.enabled == "yes"
            bank = services.update_bank(
                name=args.name,
                actor=actor,
                enabled=enabled,
                reason=args.reason,
                **_bank_settings(args),
            )
            print(f"updated bank {bank.name} (version {bank.version})")
        elif args.bank_cmd == "add":
            return _bank_add(args, actor)
        elif args.bank_cmd == "import":
            text = Path(args.file).read_text(encoding="utf-8-sig")
            result = services.import_csv(
                bank_name=args.name, text=text, actor=actor, reason=args.reason
            )
            print(
                f"imported {result.added} new entries into {args.name} "
                f"({result.duplicates} already there)"
            )
        elif args.bank_cmd == "export":
            out = open(args.output, "w", newline="") if args.output else sys.stdout  # noqa: SIM115
            try:
                for line in services.export_csv(
                    bank_name=args.name,
                    actor=actor,
                    include_disabled=args.include_disabled,
                    reason=args.reason,
                ):
                    out.write(line)
            finally:
                if out is not sys.stdout:
                    out.close()
        elif args.bank_cmd == "list":
            for bank, counts in services.list_banks(actor=actor):
                row = {
                    "name": bank.name,
                    "kind": bank.kind,
                    "action": bank.action,
                    "pdq_threshold": bank.pdq_threshold,
                    "enabled": bank.enabled,
                    "version": bank.version,
                    "protected": is_protected(bank),
                    "entries": counts,
                }
                if args.json:
                    _emit(row)
                else:
                    total = sum(counts.values())
                    state = "enabled" if bank.enabled else "disabled"
                    guarded = "\tprotected" if row["protected"] else ""
                    print(
                        f"{bank.name}\t{bank.kind}\t{bank.action}\t"
                        f"threshold {bank.pdq_threshold}\t{state}\t{total} entries{guarded}"
                    )
        elif args.bank_cmd == "remove":
            n = services.remove_entries(
                bank_name=args.name,
                actor=actor,
                entry_ids=[int(i) for i in args.entry_ids],
                reason=args.reason,
            )
            print(f"removed {n} entries from {args.name}")
        elif args.bank_cmd == "withdraw":
            n = services.remove_entries(
                bank_name=args.name, actor=actor, external_id=args.external_id, reason=args.reason
            )
            print(f"removed {n} entries of case {args.external_id} from {args.name}")
        elif args.bank_cmd in ("enable-entry", "disable-entry"):
            services.set_entry_enabled(
                bank_name=args.name,
                entry_id=int(args.entry_id),
                enabled=args.bank_cmd == "enable-entry",
                actor=actor,
                reason=args.reason,
            )
            print(f"entry {args.entry_id} {args.bank_cmd.split('-')[0]}d")
    except ServiceError as exc:
        return _fail(exc.message)
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read the file: {exc}")
    except MediaError as exc:
        return _fail(exc.message)
    return EXIT_OK


def _bank_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The bank settings given on the command line (None where not given, for update)."""
    return {
        "kind": args.kind,
        "action": args.action,
        "pdq_threshold": args.pdq_threshold,
        "video_query_pct": args.video_query_pct,
        "video_bank_pct": args.video_bank_pct,
    }


def _bank_add(args: argparse.Namespace, actor: Any) -> int:
    from django.conf import settings

    from shieldwall.banks import services
    from shieldwall.core.errors import ServiceError
    from shieldwall.media.errors import MediaError

    status = EXIT_OK
    for path in args.files:
        try:
            data = _read_file(path, settings.SHIELDWALL.max_upload_bytes)
            result = services.add_media(
                bank_name=args.name,
                data=data,
                actor=actor,
                note=args.note or Path(path).name,
                reason=args.reason,
            )
        except (MediaError, ServiceError) as exc:
            if getattr(exc, "code", "") in ("bank_not_found", "reason_required"):
                return _fail(exc.message)  # no file would fare better
            status = EXIT_FAILED_ITEMS
            _emit({"file": path, "error": {"code": exc.code, "message": exc.message}})
            continue
        _emit(
            {
                "file": path,
                "added": result.added,
                "duplicates": result.duplicates,
                "entry_ids": [str(i) for i in result.entry_ids],
            }
        )
    return status


def _scopes(args: argparse.Namespace) -> list[str] | None:
    """The scopes given with --scope (repeated or comma-separated), or None when none were."""
    if not args.scope:
        return None
    return [s for given in args.scope for s in given.split(",") if s.strip()]


def cmd_apikey(args: argparse.Namespace) -> int:
    """Create (prints the key alone on its last line), scope, revoke or list platform API keys."""
    _setup()
    from shieldwall.core import apikeys
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError

    try:
        if args.apikey_cmd == "create":
            scopes = _scopes(args)
            key, secret = apikeys.create_api_key(
                name=args.name,
                actor=cli_actor(),
                **({"scopes": scopes} if scopes is not None else {}),
            )
            print(
                f"Created API key {key.name!r} with scopes {','.join(key.scopes)}. "
                "Store it now; it is not shown again:",
                file=sys.stderr,
            )
            print(secret)
        elif args.apikey_cmd == "scopes":
            key = apikeys.set_api_key_scopes(
                name=args.name, scopes=_scopes(args) or [], actor=cli_actor()
            )
            print(f"API key {key.name!r} now has scopes {','.join(key.scopes)}")
        elif args.apikey_cmd == "revoke":
            apikeys.revoke_api_key(name=args.name, actor=cli_actor())
            print(f"revoked API key {args.name!r}")
        else:
            for key in apikeys.list_api_keys(actor=cli_actor()):
                state = "revoked" if key.revoked_at else "active"
                print(
                    f"{key.name}\t{key.prefix}…\t{state}\tscopes {','.join(key.scopes) or '-'}"
                    f"\tcreated {key.created_at:%Y-%m-%d}"
                )
    except ServiceError as exc:
        return _fail(exc.message)
    return EXIT_OK


def cmd_createadmin(args: argparse.Namespace) -> int:
    """Create a staff admin; the password comes from SHIELDWALL_ADMIN_PASSWORD or is generated."""
    _setup()
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError
    from shieldwall.core.staff import create_staff_user

    password = os.environ.get("SHIELDWALL_ADMIN_PASSWORD", "")
    try:
        user, generated = create_staff_user(
            username=args.username,
            email=args.email,
            roles=["admin"],
            password=password,
            superuser=True,
            actor=cli_actor(),
        )
    except ServiceError as exc:
        return _fail(exc.message)
    print(f"created admin {user.get_username()!r}")
    if generated:
        print(f"password: {generated}")
    return EXIT_OK


def cmd_staff(args: argparse.Namespace) -> int:
    """Staff users: add one in roles, set their roles, disable or enable them, list them."""
    _setup()
    from django.contrib.auth import get_user_model

    from shieldwall.core import staff
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError

    actor = cli_actor()
    given = getattr(args, "role", None) or []
    roles = [r.strip() for item in given for r in item.split(",") if r.strip()]
    try:
        if args.staff_cmd == "add":
            password = os.environ.get("SHIELDWALL_STAFF_PASSWORD", "")
            user, generated = staff.create_staff_user(
                username=args.username,
                roles=roles,
                email=args.email,
                password=password,
                actor=actor,
            )
            print(f"created staff user {user.get_username()!r} ({', '.join(sorted(roles))})")
            if generated:
                print(f"password: {generated}")
        elif args.staff_cmd == "roles":
            staff.set_staff_roles(username=args.username, roles=roles, actor=actor)
            print(f"{args.username!r} now has roles {', '.join(sorted(set(roles))) or 'none'}")
        elif args.staff_cmd == "unpause":
            from shieldwall.core.logins import lift_pause

            lift_pause(username=args.username, actor=actor)
            print(f"sign-in of {args.username!r} is no longer paused")
        elif args.staff_cmd in ("disable", "enable"):
            active = args.staff_cmd == "enable"
            staff.set_staff_active(username=args.username, active=active, actor=actor)
            print(f"{args.username!r} {args.staff_cmd}d")
        else:
            users = get_user_model().objects.filter(is_staff=True).order_by("username")
            for user in users.prefetch_related("groups"):
                names = ",".join(sorted(g.name for g in user.groups.all())) or "-"
                state = "active" if user.is_active else "disabled"
                print(f"{user.get_username()}\t{names}\t{state}")
    except ServiceError as exc:
        return _fail(exc.message)
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    """Check the audit log's keyed hash chain, or move its outside checkpoint to the head."""
    _setup()
    from shieldwall.core.audit_verify import advance_checkpoint, verify

    result = advance_checkpoint() if args.audit_cmd == "checkpoint" else verify()
    if not result.ok:
        print(f"audit log TAMPERED: {result.problem} ({result.checked} events verified before it)")
        return EXIT_FAILED_ITEMS
    if args.audit_cmd == "checkpoint":
        print(
            f"audit checkpoint at #{result.checkpoint_seq} ({result.checked} new events verified)"
        )
        return EXIT_OK
    print(f"audit log intact: {result.checked} events verified")
    if result.keyed_from > 1:
        print(
            f"  events #1-#{result.keyed_from - 1} predate the audit key and are checked by "
            "their plain SHA-256 chain only"
        )
    if result.checkpoint_seq is None:
        print("  no checkpoint outside the database yet (the worker writes one)")
    else:
        print(f"  matches the checkpoint outside the database at #{result.checkpoint_seq}")
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply database migrations."""
    _setup(migrate=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return EXIT_OK


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
    _setup(quiet=False)
    if problem := _audit_ready():
        return _fail(problem)
    from shieldwall.server import serve

    serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    """Run background jobs from the database queue, deliver the webhook outbox, and file
    reports and scan signals into cases."""
    _setup(quiet=False)
    if problem := _audit_ready():
        return _fail(problem)
    import threading

    from django.core.management import call_command

    from shieldwall.cases.filer import run_filer
    from shieldwall.cases.scan_signals import run_signal_filer
    from shieldwall.integrations.outbox import run_dispatcher

    stop = threading.Event()
    outbox = threading.Thread(target=run_dispatcher, args=(stop,), name="outbox", daemon=True)
    outbox.start()
    chores = threading.Thread(target=_housekeeping, args=(stop,), name="chores", daemon=True)
    chores.start()
    filer = threading.Thread(target=run_filer, args=(stop,), name="filer", daemon=True)
    filer.start()
    scans = threading.Thread(target=run_signal_filer, args=(stop,), name="scans", daemon=True)
    scans.start()
    try:
        call_command(
            "db_worker", interval=args.interval, max_tasks=args.max_tasks, startup_delay=False
        )
    finally:
        stop.set()
        outbox.join(timeout=10)
        filer.join(timeout=10)
        scans.join(timeout=10)
    return EXIT_OK


def _housekeeping(stop: Any, every: float = 30.0) -> None:
    """Periodic chores of the worker: escalate cases near their review deadline, bring back
    decisions the platform did not apply, move the audit log's outside checkpoint forward,
    and drop old rate counters. A chore that fails is logged; the others still run."""
    from datetime import timedelta

    import structlog
    from django.db import close_old_connections, connection
    from django.utils import timezone

    from shieldwall.cases.followup import follow_up_refused
    from shieldwall.cases.services import escalate_due
    from shieldwall.core.audit_verify import advance_checkpoint
    from shieldwall.core.throttle import forget_expired

    log = structlog.get_logger("shieldwall.worker")

    def escalate() -> None:
        if escalated := escalate_due():
            log.info("cases.escalated_near_deadline", count=escalated)

    def refused() -> None:
        if reopened := follow_up_refused():
            log.warning("cases.platform_refused", count=reopened)

    def checkpoint() -> None:
        checked = advance_checkpoint()
        if not checked.ok:
            log.error("audit.tampered", problem=checked.problem, seq=checked.seq)

    def counters() -> None:
        # No limit looks back further than a day.
        forget_expired(older_than=timedelta(days=1), now=timezone.now())

    chores: tuple[Callable[[], None], ...] = (escalate, refused, checkpoint, counters)
    try:
        while not stop.wait(every):
            for chore in chores:
                try:
                    chore()
                except Exception:  # keep the worker alive; the next round tries again
                    log.exception("housekeeping.failed", chore=chore.__name__)
                finally:
                    close_old_connections()
    finally:
        connection.close()  # this thread's own connection


def cmd_demo(args: argparse.Namespace) -> int:
    """Seed a synthetic world and run Shieldwall, its worker and the reference microblog."""
    _setup(quiet=False)
    from shieldwall.demo import run_demo

    return run_demo(
        host=args.host,
        port=args.port,
        microblog_port=args.microblog_port,
        world=(args.accounts, args.posts, args.videos),
    )


def add_reason_argument(parser: argparse.ArgumentParser) -> None:
    """--reason, which a change to a protected bank needs (and the audit log keeps)."""
    parser.add_argument(
        "--reason",
        default="",
        help="why (needed for protected banks: verified CSAM, NCII, platform-removed, "
        "exchange-filled; kept in the audit log)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    from shieldwall.banks.kinds import BankAction, BankKind

    p = argparse.ArgumentParser(prog="shieldwall", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

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

    s = sub.add_parser("hash", help="print the hashes of media files, one JSON line each")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--every-frame", action="store_true", help="hash every video frame")
    s.set_defaults(func=cmd_hash)

    s = sub.add_parser("scan", help="scan media files against the banks")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--json", action="store_true", help="one JSON object per line")
    s.set_defaults(func=cmd_scan)

    bank = sub.add_parser(
        "bank",
        help="manage hash banks",
        description="Protected banks (verified CSAM, NCII, platform-removed, or filled by an "
        "exchange) are changed, and their hashes exported, only with --reason, which is kept "
        "in the audit log.",
    )
    bsub = bank.add_subparsers(dest="bank_cmd", required=True)
    for verb in ("create", "update"):
        b = bsub.add_parser(verb, help=f"{verb} a bank")
        b.add_argument("name")
        default = None if verb == "update" else object()
        b.add_argument(
            "--kind", choices=BankKind.values, default=None if default is None else BankKind.CUSTOM
        )
        b.add_argument(
            "--action",
            choices=BankAction.values,
            default=None if default is None else BankAction.REVIEW,
        )
        b.add_argument("--pdq-threshold", type=int, default=None if default is None else 31)
        b.add_argument("--video-query-pct", type=float, default=None if default is None else 80.0)
        b.add_argument("--video-bank-pct", type=float, default=None if default is None else 80.0)
        if verb == "create":
            b.add_argument("--disabled", action="store_true")
        else:
            b.add_argument("--enabled", choices=["yes", "no"], default=None)
    b = bsub.add_parser("add", help="hash media files into a bank (the media is not kept)")
    b.add_argument("name")
    b.add_argument("files", nargs="+", metavar="FILE")
    b.add_argument("--note", default="")
    b = bsub.add_parser("import", help="import a CSV list signal_type,value[,note]")
    b.add_argument("name")
    b.add_argument("file", metavar="FILE.csv")
    b = bsub.add_parser("export", help="print a bank as CSV")
    b.add_argument("name")
    b.add_argument("-o", "--output")
    b.add_argument("--include-disabled", action="store_true")
    b = bsub.add_parser("list", help="list banks")
    b.add_argument("--json", action="store_true")
    b = bsub.add_parser("remove", help="delete entries by id")
    b.add_argument("name")
    b.add_argument("entry_ids", nargs="+", metavar="ENTRY_ID")
    b = bsub.add_parser("withdraw", help="delete the entries of one exchange case")
    b.add_argument("name")
    b.add_argument("external_id")
    for verb in ("enable-entry", "disable-entry"):
        b = bsub.add_parser(verb, help=f"{verb.split('-')[0]} one entry")
        b.add_argument("name")
        b.add_argument("entry_id")
    for verb, verb_parser in bsub.choices.items():
        if verb != "list":
            add_reason_argument(verb_parser)
    bank.set_defaults(func=cmd_bank)
    from shieldwall.banks.cli_exchange import add_parser as add_exchange_parsers

    add_exchange_parsers(bsub)

    s = sub.add_parser("apikey", help="platform API keys")
    asub = s.add_subparsers(dest="apikey_cmd", required=True)
    from shieldwall.core.roles import DEFAULT_SCOPES, SCOPES

    scope_help = (
        f"what the key may do: {', '.join(SCOPES)} (repeat or separate with commas; "
        f"default {','.join(DEFAULT_SCOPES)}: every platform call but its own banks and "
        "the platform profile)"
    )
    a = asub.add_parser("create", help="create a key; prints it once, alone on its last line")
    a.add_argument("name")
    a.add_argument("--scope", action="append", metavar="SCOPE", help=scope_help)
    a = asub.add_parser("scopes", help="replace a key's scopes")
    a.add_argument("name")
    a.add_argument("--scope", action="append", metavar="SCOPE", required=True, help=scope_help)
    a = asub.add_parser("revoke", help="revoke a key")
    a.add_argument("name")
    asub.add_parser("list", help="list keys")
    s.set_defaults(func=cmd_apikey)

    from shieldwall.integrations.cli_webhook import add_parser as add_webhook_parsers

    add_webhook_parsers(sub)

    s = sub.add_parser("createadmin", help="create a staff admin")
    s.add_argument("--username", default="admin")
    s.add_argument("--email", default="")
    s.set_defaults(func=cmd_createadmin)

    s = sub.add_parser("staff", help="staff users and their roles (each change audited)")
    ssub = s.add_subparsers(dest="staff_cmd", required=True)
    role_help = "a role: admin, lead, moderator, triage, compliance, auditor (repeat or commas)"
    a = ssub.add_parser("add", help="add a staff user (password: SHIELDWALL_STAFF_PASSWORD)")
    a.add_argument("username")
    a.add_argument("--role", action="append", required=True, help=role_help)
    a.add_argument("--email", default="")
    a = ssub.add_parser("roles", help="set a staff user's roles")
    a.add_argument("username")
    a.add_argument("--role", action="append", default=[], help=role_help)
    for verb in ("disable", "enable"):
        a = ssub.add_parser(verb, help=f"{verb} a staff user")
        a.add_argument("username")
    a = ssub.add_parser("unpause", help="end the sign-in pause of a staff user's account now")
    a.add_argument("username")
    ssub.add_parser("list", help="list staff users with their roles")
    s.set_defaults(func=cmd_staff)

    s = sub.add_parser("audit", help="audit log")
    ausub = s.add_subparsers(dest="audit_cmd", required=True)
    ausub.add_parser("verify", help="check the hash chain against the outside checkpoint")
    ausub.add_parser("checkpoint", help="check new events and move the checkpoint to the head")
    s.set_defaults(func=cmd_audit)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `shieldwall` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except ConfigError as exc:
        return _fail(f"configuration error: {exc}")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
