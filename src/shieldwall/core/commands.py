"""`shieldwall apikey`, `createadmin`, `staff`, `audit` and `jobs`: keys, staff, the audit log
and how the worker's jobs run."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from shieldwall.core.cli_kit import EXIT_FAILED_ITEMS, EXIT_OK, emit, fail, setup


def _scopes(args: argparse.Namespace) -> list[str] | None:
    """The scopes given with --scope (repeated or comma-separated), or None when none were."""
    if not args.scope:
        return None
    return [s for given in args.scope for s in given.split(",") if s.strip()]


def cmd_apikey(args: argparse.Namespace) -> int:
    """Create (prints the key alone on its last line), scope, revoke or list platform API keys."""
    setup()
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
        return fail(exc.message)
    return EXIT_OK


def cmd_createadmin(args: argparse.Namespace) -> int:
    """Create a staff admin; the password comes from SHIELDWALL_ADMIN_PASSWORD or is generated."""
    setup()
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
        return fail(exc.message)
    print(f"created admin {user.get_username()!r}")
    if generated:
        print(f"password: {generated}")
    return EXIT_OK


def cmd_staff(args: argparse.Namespace) -> int:
    """Staff users: add one in roles, set their roles, disable or enable them, list them."""
    setup()
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
        return fail(exc.message)
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    """Check the audit log's keyed hash chain, or move its outside checkpoint to the head."""
    setup()
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


def cmd_jobs(args: argparse.Namespace) -> int:
    """How each of the worker's jobs last ran; exit 2 when one is stale or failing."""
    setup()
    from shieldwall.core.worker import job_status

    jobs = job_status()
    for job in jobs:
        if args.json:
            emit(
                {
                    "name": job.name,
                    "kind": job.kind,
                    "every_seconds": job.every_seconds,
                    "last_finished": _iso(job.last_finished),
                    "last_ok": _iso(job.last_ok),
                    "last_error": job.last_error,
                    "consecutive_failures": job.consecutive_failures,
                    "runs": job.runs,
                    "host": job.host,
                    "pid": job.pid,
                    "stale": job.stale,
                }
            )
        else:
            state = _state(job)
            finished = f"{job.last_finished:%Y-%m-%d %H:%M:%S}" if job.last_finished else "never"
            print(f"{job.name}\t{job.kind}\t{state}\tlast {finished}\t{job.runs} rounds")
    return EXIT_FAILED_ITEMS if any(j.stale or j.failing for j in jobs) else EXIT_OK


def _state(job: Any) -> str:
    """stale, failing, waiting (taken up, first round still to come) or ok."""
    if job.stale:
        return "stale"
    if job.failing:
        return "failing"
    return "ok" if job.last_finished else "waiting"


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def register(sub: Any) -> None:
    """apikey, createadmin, staff, audit and jobs."""
    from shieldwall.core.roles import DEFAULT_SCOPES, SCOPES

    s = sub.add_parser("apikey", help="platform API keys")
    asub = s.add_subparsers(dest="apikey_cmd", required=True)
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

    s = sub.add_parser("jobs", help="how each background job of the worker last ran")
    s.add_argument("--json", action="store_true", help="one JSON object per line")
    s.set_defaults(func=cmd_jobs)
