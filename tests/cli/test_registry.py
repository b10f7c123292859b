"""The command line as a registry: each app adds its subcommands in its own `commands.py`,
the grammar is built before Django starts, and no command module imports the CLI's top."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import grimp
import pytest

from shieldwall.cli import build_parser, command_modules
from shieldwall.core.worker import collect_jobs
from shieldwall.features import SHIELDWALL_APPS
from tests.cli_support import Shieldwall

SRC = Path(__file__).resolve().parents[2] / "src"
COMMANDS = {
    "serve",
    "worker",
    "demo",
    "migrate",
    "hash",
    "scan",
    "bank",
    "apikey",
    "webhook",
    "action",
    "createadmin",
    "staff",
    "audit",
    "jobs",
    "hashtag",
    "search",
}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_a_new_subcommand_is_one_module_in_its_app(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser([*SHIELDWALL_APPS, "tests.cli.sample_app"])
    args = parser.parse_args(["hello", "--name", "placeholder"])
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out) == {"hello": "placeholder"}
    assert set(_subcommands(parser)) == COMMANDS | {"hello"}


def test_every_command_of_before_is_still_there() -> None:
    assert set(_subcommands(build_parser())) == COMMANDS


def test_each_app_with_commands_adds_them_from_its_commands_module() -> None:
    assert command_modules() == [
        "shieldwall.cli.runtime",
        "shieldwall.core.commands",
        "shieldwall.banks.commands",
        "shieldwall.matching.commands",
        "shieldwall.terms.commands",
        "shieldwall.integrations.commands",
    ]


def test_the_grammar_is_built_before_django_starts_and_imports_no_model() -> None:
    probe = (
        "import sys, django.apps\n"
        "from shieldwall.cli import build_parser\n"
        "build_parser().parse_args(['bank', 'list'])\n"
        "models = sorted(m for m in sys.modules if m.startswith('shieldwall') and "
        "m.endswith('.models'))\n"
        "print(django.apps.apps.ready, models)\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False []"


def test_no_command_module_imports_the_command_lines_top_nor_runs_in_a_circle() -> None:
    graph = grimp.build_graph("shieldwall", cache_dir=None)
    cli_modules = [*command_modules(), "shieldwall.banks.cli_exchange", "shieldwall.core.cli_kit"]
    for module in cli_modules:
        assert graph.find_shortest_chain(importer=module, imported="shieldwall.cli") is None
    circles = [
        (module, imported)
        for module in [*cli_modules, "shieldwall.cli"]
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.find_shortest_chain(importer=imported, imported=module) is not None
    ]
    assert circles == []


@pytest.mark.slow
def test_the_worker_runs_every_declared_job_and_shows_it(sw: Shieldwall, tmp_path: Path) -> None:
    assert sw("migrate").code == 0
    log = tmp_path / "worker.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "shieldwall.cli", "worker", "--interval", "0.2"],
            env=sw.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        rows = _until_jobs(sw, lambda rows: all(r["pid"] == proc.pid for r in rows), log)
        assert {r["name"] for r in rows} == {j.name for j in collect_jobs()}
        loops = _until_jobs(
            sw, lambda rows: all(r["runs"] > 0 for r in rows if r["kind"] == "loop"), log
        )
        assert all(not r["stale"] for r in loops if r["kind"] == "loop")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    listed = sw("jobs")
    assert listed.code == 0, listed.out  # none stale nor failing
    assert "escalate\tperiodic\twaiting\tlast never\t0 rounds" in listed.out  # after 30 s
    assert re.search(r"^outbox\tloop\tok\tlast \S+ \S+\t[1-9]\d* rounds$", listed.out, re.M)


@pytest.mark.django_db
def test_jobs_exits_2_when_a_job_is_stale_or_failing(capsys: pytest.CaptureFixture[str]) -> None:
    from django.utils import timezone

    from shieldwall.core.models import JobRun

    now = timezone.now()
    for job in collect_jobs():
        JobRun.objects.create(
            name=job.name, kind=job.kind, every_seconds=job.record_every, last_finished=now
        )
    parser = build_parser()
    args = parser.parse_args(["jobs", "--json"])
    assert args.func(args) == 0
    JobRun.objects.filter(name="escalate").update(consecutive_failures=2)
    assert args.func(args) == 2
    JobRun.objects.filter(name="escalate").update(consecutive_failures=0)
    JobRun.objects.filter(name="outbox").update(last_finished=now - timedelta(minutes=5))
    assert args.func(args) == 2
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["name"] for r in rows if r["stale"]][-1:] == ["outbox"]


def _until_jobs(sw: Shieldwall, done: Any, log: Path, seconds: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while True:
        rows = [r for r in sw("jobs", "--json").json_lines() if r["pid"] is not None]
        if len(rows) == len(collect_jobs()) and done(rows):
            return rows
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)
