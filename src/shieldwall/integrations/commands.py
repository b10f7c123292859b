"""`shieldwall webhook ...` and `shieldwall action issue`: endpoints, dead letters, actions."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from shieldwall.core.cli_kit import EXIT_FAILED_ITEMS, EXIT_OK, emit, fail, setup


def cmd_webhook(args: argparse.Namespace) -> int:
    """Add (prints the secret alone on its last line), list, rotate, disable, retry-dead."""
    setup()
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError
    from shieldwall.integrations import services

    actor = cli_actor()
    try:
        if args.webhook_cmd == "add":
            endpoint, secret = services.add_endpoint(url=args.url, actor=actor)
            print(
                f"Added webhook {endpoint.pk} to {endpoint.url}. Store its signing secret now; "
                "it is not shown again:",
                file=sys.stderr,
            )
            print(secret)
        elif args.webhook_cmd == "rotate":
            endpoint, secret = services.rotate_secret(endpoint=args.endpoint, actor=actor)
            print(
                f"Rotated the secret of webhook {endpoint.pk}; the previous one also signs for "
                "24 hours. The new secret:",
                file=sys.stderr,
            )
            print(secret)
        elif args.webhook_cmd == "disable":
            endpoint = services.disable_endpoint(endpoint=args.endpoint, actor=actor)
            print(f"disabled webhook {endpoint.pk} ({endpoint.url})")
        elif args.webhook_cmd == "retry-dead":
            if args.all == bool(args.delivery_ids):
                return fail("give delivery ids or --all (not both)")
            ids = None if args.all else [int(i) for i in args.delivery_ids]
            n = services.retry_dead(delivery_ids=ids, actor=actor)
            print(f"{n} dead deliveries set to retry")
        else:
            _list_endpoints(args, actor)
    except ServiceError as exc:
        return fail(exc.message)
    return EXIT_OK


def _list_endpoints(args: argparse.Namespace, actor: Any) -> None:
    from shieldwall.integrations import services

    for e in services.list_endpoints(actor=actor):
        pending, dead = getattr(e, "pending", 0), getattr(e, "dead", 0)
        row = {
            "id": str(e.pk),
            "url": e.url,
            "enabled": e.enabled,
            "pending": pending,
            "dead": dead,
            "created_at": e.created_at.isoformat(),
        }
        if args.json:
            emit(row)
        else:
            state = "enabled" if e.enabled else "disabled"
            print(f"{e.pk}\t{e.url}\t{state}\t{pending} pending\t{dead} dead")


def cmd_action(args: argparse.Namespace) -> int:
    """Issue one action per subject id (for operators and demos); prints each action id."""
    setup()
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError
    from shieldwall.integrations import services

    actor = cli_actor()
    status = EXIT_OK
    for subject_id in args.subject_ids:
        try:
            action = services.issue_action(
                kind=args.kind,
                subject_id=subject_id,
                reason=args.reason,
                note=args.note,
                actor=actor,
            )
        except ServiceError as exc:
            if len(args.subject_ids) == 1 and not args.json:
                return fail(exc.message)
            status = EXIT_FAILED_ITEMS
            emit({"subject_id": subject_id, "error": {"code": exc.code, "message": exc.message}})
            continue
        if args.json:
            emit(services.action_payload(action))
        else:
            print(action.public_id)
    return status


def register(subparsers: Any) -> None:
    """webhook and action."""
    from shieldwall.integrations.kinds import ActionKind

    s = subparsers.add_parser("webhook", help="signed webhooks that receive actions")
    wsub = s.add_subparsers(dest="webhook_cmd", required=True)
    w = wsub.add_parser(
        "add", help="add an endpoint; prints its secret once, alone on its last line"
    )
    w.add_argument("url", help="https URL (plain http only to localhost)")
    w = wsub.add_parser("list", help="list endpoints with their pending and dead deliveries")
    w.add_argument("--json", action="store_true", help="one JSON object per line")
    w = wsub.add_parser("rotate", help="new secret (printed); the old one signs for 24 h more")
    w.add_argument("endpoint", metavar="URL_OR_ID")
    w = wsub.add_parser("disable", help="stop sending to an endpoint")
    w.add_argument("endpoint", metavar="URL_OR_ID")
    w = wsub.add_parser("retry-dead", help="set dead deliveries pending again")
    w.add_argument("delivery_ids", nargs="*", metavar="DELIVERY_ID", type=int)
    w.add_argument("--all", action="store_true", help="every dead delivery")
    s.set_defaults(func=cmd_webhook)

    s = subparsers.add_parser("action", help="actions sent to the platform")
    asub = s.add_subparsers(dest="action_cmd", required=True)
    a = asub.add_parser("issue", help="issue an action per subject id; prints each action id")
    a.add_argument("kind", choices=ActionKind.values)
    a.add_argument("subject_ids", nargs="+", metavar="SUBJECT_ID")
    a.add_argument("--reason", required=True, help="a short code, e.g. csam_hash_match")
    a.add_argument("--note", default="")
    a.add_argument("--json", action="store_true", help="print each action as JSON")
    s.set_defaults(func=cmd_action)
