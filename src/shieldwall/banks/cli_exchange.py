"""`shieldwall bank exchange-add` and `shieldwall bank sync`: fill banks from hash exchanges.

Importable before Django starts (the command line builds its grammar first).
"""

from __future__ import annotations

import argparse
from typing import Any

from shieldwall.core.cli_kit import (
    EXIT_FAILED_ITEMS,
    EXIT_OK,
    add_reason_argument,
    emit,
    fail,
    setup,
)

EXCHANGE_APIS = ("file", "ncmec", "stopncii")  # ExchangeApi's values; a test keeps them equal
CREDENTIAL_FLAGS = ("user_env", "password_env", "subscription_key_env", "fetch_key_env")


def add_parser(bank_subparsers: Any) -> None:
    """Add the exchange verbs to the `shieldwall bank` sub-command parsers."""
    b = bank_subparsers.add_parser(
        "exchange-add",
        help="fill a bank from a hash exchange (file, NCMEC, StopNCII)",
        description="Credentials are never given here: they are read at sync time from "
        "SHIELDWALL_NCMEC_USER / SHIELDWALL_NCMEC_PASSWORD, or "
        "SHIELDWALL_STOPNCII_SUBSCRIPTION_KEY / SHIELDWALL_STOPNCII_FETCH_KEY "
        "(or the SHIELDWALL_NCMEC_* / SHIELDWALL_STOPNCII_* variables named below).",
    )
    b.add_argument("name", help="the bank to fill")
    b.add_argument("--api", required=True, choices=EXCHANGE_APIS)
    b.add_argument("--file", metavar="PATH", help="file: absolute path of the hash file")
    b.add_argument("--signal-type", help="file: the type of lines that hold only a hash (e.g. pdq)")
    b.add_argument(
        "--environment", help="ncmec: the NCMEC database, e.g. Industry or test_Industry"
    )
    b.add_argument("--base-url", metavar="URL", help="ncmec/stopncii: another API address")
    b.add_argument(
        "--signal-types", metavar="LIST", help="comma-separated types to take (default: all)"
    )
    b.add_argument("--only-esp-ids", metavar="LIST", help="ncmec: only these member ids")
    for flag in CREDENTIAL_FLAGS:
        b.add_argument(
            "--" + flag.replace("_", "-"), metavar="VAR", help="the environment variable to read"
        )
    add_reason_argument(b)
    b.set_defaults(func=cmd_exchange_add)

    b = bank_subparsers.add_parser("sync", help="sync a bank from its exchange")
    b.add_argument("name", help="the bank whose exchange to sync")
    b.add_argument("--enqueue", action="store_true", help="queue the sync for `shieldwall worker`")
    b.add_argument("--allow-empty", action="store_true", help="let an empty fetch empty the bank")
    b.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    add_reason_argument(b)
    b.set_defaults(func=cmd_exchange_sync)


def _config(args: argparse.Namespace) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if args.file:
        config["path"] = args.file
    if args.signal_type:
        config["signal_type"] = args.signal_type
    if args.environment:
        config["environment"] = args.environment
    if args.base_url:
        config["base_url"] = args.base_url
    if args.signal_types:
        config["signal_types"] = [t for t in args.signal_types.split(",") if t.strip()]
    if args.only_esp_ids:
        try:
            config["only_esp_ids"] = [int(i) for i in args.only_esp_ids.split(",") if i.strip()]
        except ValueError:
            config["only_esp_ids"] = args.only_esp_ids  # refused, with its reason, by the service
    for flag in CREDENTIAL_FLAGS:
        if getattr(args, flag):
            config[flag] = getattr(args, flag)
    return config


def cmd_exchange_add(args: argparse.Namespace) -> int:
    """Attach an exchange to a bank and say where its credentials come from."""
    setup()
    from shieldwall.banks.exchanges import add_exchange
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError

    try:
        exchange = add_exchange(
            bank_name=args.name,
            api=args.api,
            config=_config(args),
            actor=cli_actor(),
            reason=args.reason,
        )
    except ServiceError as exc:
        return fail(exc.message)
    env = [v for k, v in sorted(exchange.config.items()) if k.endswith("_env")]
    print(f"bank {args.name} is now filled from the {exchange.api} exchange")
    if env:
        print(f"credentials are read from {' and '.join(env)} when it syncs")
    print(f"run `shieldwall bank sync {args.name}` (or --enqueue it for `shieldwall worker`)")
    return EXIT_OK


def cmd_exchange_sync(args: argparse.Namespace) -> int:
    """Sync a bank from its exchange now, or queue the sync for the worker."""
    setup()
    from shieldwall.banks.exchanges import get_exchange, sync_exchange
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError

    try:
        actor = cli_actor()
        exchange = get_exchange(bank_name=args.name, actor=actor)
        if args.enqueue:
            from shieldwall.banks.tasks import enqueue_sync_on_commit

            enqueue_sync_on_commit(exchange.pk)
            print(f"queued a sync of bank {args.name}; `shieldwall worker` runs it")
            return EXIT_OK
        result = sync_exchange(
            exchange_id=exchange.pk,
            actor=actor,
            allow_empty=args.allow_empty,
            reason=args.reason,
        )
    except ServiceError as exc:
        return fail(exc.message)
    if args.json:
        emit(result.as_dict())
    else:
        print(
            f"synced bank {result.bank} from {result.api}: {result.fetched} hashes at the "
            f"exchange, {result.added} added, {result.removed} removed, "
            f"{result.invalid} invalid"
        )
        if result.skipped_types:
            skipped = ", ".join(f"{k} {v}" for k, v in result.skipped_types.items())
            print(f"skipped (types this bank does not take): {skipped}")
        for message in result.errors:
            print(f"invalid: {message}")
    return EXIT_FAILED_ITEMS if result.invalid else EXIT_OK
