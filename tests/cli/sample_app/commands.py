"""A stand-in app's subcommand: what a feature app adds to the command line is this module."""

from __future__ import annotations

import argparse
from typing import Any

from shieldwall.core.cli_kit import EXIT_OK, emit


def cmd_hello(args: argparse.Namespace) -> int:
    emit({"hello": args.name})
    return EXIT_OK


def register(sub: Any) -> None:
    s = sub.add_parser("hello", help="say hello (a test command)")
    s.add_argument("--name", default="world")
    s.set_defaults(func=cmd_hello)
