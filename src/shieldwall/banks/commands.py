"""`shieldwall bank ...`: hash banks, their entries, imports and exports, and exchanges."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from shieldwall.core.cli_kit import (
    EXIT_FAILED_ITEMS,
    EXIT_OK,
    add_reason_argument,
    emit,
    fail,
    read_file,
    setup,
)


def cmd_bank(args: argparse.Namespace) -> int:
    """Bank management: create, update, add, import, export, list, remove, withdraw."""
    setup()
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
                    emit(row)
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
        return fail(exc.message)
    except (OSError, UnicodeDecodeError) as exc:
        return fail(f"cannot read the file: {exc}")
    except MediaError as exc:
        return fail(exc.message)
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
            data = read_file(path, settings.SHIELDWALL.max_upload_bytes)
            result = services.add_media(
                bank_name=args.name,
                data=data,
                actor=actor,
                note=args.note or Path(path).name,
                reason=args.reason,
            )
        except (MediaError, ServiceError) as exc:
            if getattr(exc, "code", "") in ("bank_not_found", "reason_required"):
                return fail(exc.message)  # no file would fare better
            status = EXIT_FAILED_ITEMS
            emit({"file": path, "error": {"code": exc.code, "message": exc.message}})
            continue
        emit(
            {
                "file": path,
                "added": result.added,
                "duplicates": result.duplicates,
                "entry_ids": [str(i) for i in result.entry_ids],
            }
        )
    return status


def register(sub: Any) -> None:
    """bank, with its exchange verbs (cli_exchange.py)."""
    from shieldwall.banks.cli_exchange import add_parser as add_exchange_parsers
    from shieldwall.banks.kinds import BankAction, BankKind

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
    add_exchange_parsers(bsub)
