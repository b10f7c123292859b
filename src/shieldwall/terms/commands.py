"""`shieldwall hashtag ...` and `shieldwall search check`: term rules and checks at the shell."""

from __future__ import annotations

import argparse
from typing import Any

from shieldwall.core.cli_kit import EXIT_OK, emit, fail, setup

MATCHES = ("exact", "contains", "near")  # terms.kinds.MatchKind's values (checked by a test)


def _rule_row(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "term": rule.term,
        "key": rule.key,
        "match": rule.match,
        "effect": rule.effect,
        "source": rule.source,
        "reason": rule.reason,
        "case_id": rule.case_id,
        "created_by": rule.created_by,
        "created_at": rule.created_at.isoformat(),
        "removed_at": rule.removed_at.isoformat() if rule.removed_at else None,
    }


def _verdict_rule(rule: Any) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {"id": rule.id, "term": rule.term, "match": str(rule.match.value)}


def cmd_hashtag(args: argparse.Namespace) -> int:
    """block, unblock, list, check."""
    setup()
    from shieldwall.core.actors import cli_actor
    from shieldwall.core.errors import ServiceError
    from shieldwall.terms import services
    from shieldwall.terms.kinds import MatchKind, RuleEffect, RuleSource
    from shieldwall.terms.normalise import term_key

    actor = cli_actor()
    try:
        if args.hashtag_cmd == "block":
            rule = services.add_rule(
                term=args.tag,
                actor=actor,
                reason=args.reason,
                match=MatchKind(args.match),
                effect=RuleEffect.ALLOW if args.exception else RuleEffect.BLOCK,
                source=RuleSource.CLI,
            )
            emit(_rule_row(rule))
        elif args.hashtag_cmd == "unblock":
            rules = services.rules_with_key(term_key(args.tag))
            if not rules:
                return fail(f"no active rule has the key of {args.tag!r}")
            for rule in rules:
                emit(
                    _rule_row(
                        services.remove_rule(rule_id=rule.pk, actor=actor, reason=args.reason)
                    )
                )
        elif args.hashtag_cmd == "list":
            for rule in services.list_rules(actor, include_removed=args.all):
                if args.json:
                    emit(_rule_row(rule))
                else:
                    effect = "exception" if rule.effect == RuleEffect.ALLOW else "block"
                    state = " (removed)" if rule.removed_at else ""
                    print(f"{rule.pk}\t{effect}\t{rule.match}\t{rule.term}\t{rule.reason}{state}")
        else:
            for v in services.check_tags(args.tags):
                emit(
                    {
                        "tag": v.tag,
                        "suppressed": v.suppressed,
                        "rule": _verdict_rule(v.rule),
                        "normalized": v.normalized,
                    }
                )
    except ServiceError as exc:
        return fail(exc.message)
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    """check QUERY: one JSON object."""
    setup()
    from shieldwall.terms import services

    v = services.check_query(args.query)
    emit({"suppressed": v.suppressed, "rule": _verdict_rule(v.rule), "normalized": v.normalized})
    return EXIT_OK


def register(subparsers: Any) -> None:
    """hashtag and search."""
    s = subparsers.add_parser("hashtag", help="rules that suppress hashtags and searches")
    hsub = s.add_subparsers(dest="hashtag_cmd", required=True)
    h = hsub.add_parser("block", help="add a rule (prints it as JSON)")
    h.add_argument("tag", metavar="TAG")
    h.add_argument("--match", choices=MATCHES, default="exact", help="default: exact")
    h.add_argument("--reason", default="", help="why (kept with the rule and in the audit log)")
    h.add_argument("--exception", action="store_true", help="an exception: keep this tag open")
    h = hsub.add_parser("unblock", help="remove the active rules with TAG's key")
    h.add_argument("tag", metavar="TAG")
    h.add_argument("--reason", default="", help="why (kept in the audit log)")
    h = hsub.add_parser("list", help="the active rules")
    h.add_argument("--json", action="store_true", help="one JSON object per line")
    h.add_argument("--all", action="store_true", help="removed rules too")
    h = hsub.add_parser("check", help="check tags: one JSON object a line")
    h.add_argument("tags", nargs="+", metavar="TAG")
    s.set_defaults(func=cmd_hashtag)

    s = subparsers.add_parser("search", help="check search queries against the rules")
    ssub = s.add_subparsers(dest="search_cmd", required=True)
    q = ssub.add_parser("check", help="check one query: one JSON object")
    q.add_argument("query", metavar="QUERY")
    s.set_defaults(func=cmd_search)
