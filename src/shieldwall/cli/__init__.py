"""The `shieldwall` command: the processes (serve, worker, demo, migrate) and what each app adds."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Iterable, Sequence

from shieldwall.config import ConfigError
from shieldwall.core.cli_kit import fail
from shieldwall.core.cli_kit import setup as _setup  # noqa: F401  (tests and scripts start Django so)
from shieldwall.features import SHIELDWALL_APPS

# The commands of the processes themselves (serve, worker, demo, migrate) come first.
RUNTIME_COMMANDS = "shieldwall.cli.runtime"


def command_modules(app_names: Iterable[str] = SHIELDWALL_APPS) -> list[str]:
    """The modules that add subcommands: the runtime's, then each app's `commands`."""
    found = [RUNTIME_COMMANDS]
    for app in app_names:
        module_name = f"{app}.commands"
        try:
            importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise  # the module exists but imports something missing: a real error
            continue
        found.append(module_name)
    return found


def build_parser(app_names: Iterable[str] = SHIELDWALL_APPS) -> argparse.ArgumentParser:
    """The command line's grammar: each command module's `register(subparsers)` adds its own.

    Built before Django starts, so command modules import no model at module level."""
    p = argparse.ArgumentParser(prog="shieldwall", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    for module_name in command_modules(app_names):
        importlib.import_module(module_name).register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `shieldwall` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except ConfigError as exc:
        return fail(f"configuration error: {exc}")
    except KeyboardInterrupt:
        return 130
