"""`shieldwall demo` as a newcomer runs it: a real queue at first sight, every story printed,
and Ctrl-C stops everything cleanly (a real SIGINT to a real demo process, as a terminal
sends it: to the demo's process group).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.cli_support import Shieldwall
from tests.microblog.stack import free_port

pytestmark = pytest.mark.slow

READY = "Shieldwall demo is running. Press Ctrl-C to stop."


def _descendants(pid: int) -> set[int]:
    """Every process below this one, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_demo_shows_a_queue_tells_its_stories_and_stops_on_ctrl_c(
    sw: Shieldwall, tmp_path: Path
) -> None:
    port, mb_port = free_port(), free_port()
    out_path, err_path = tmp_path / "demo.out", tmp_path / "demo.err"
    args = ["--port", str(port), "--microblog-port", str(mb_port)]
    world = ["--accounts", "12", "--posts", "30", "--videos", "0"]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        demo = subprocess.Popen(
            [sys.executable, "-m", "shieldwall.cli", "demo", *args, *world],
            env=sw.env,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
    try:
        deadline = time.monotonic() + 300
        while "What to try" not in out_path.read_text(errors="replace"):
            assert demo.poll() is None, out_path.read_text() + err_path.read_text()
            assert time.monotonic() < deadline, out_path.read_text() + err_path.read_text()
            time.sleep(0.5)
        time.sleep(0.5)
        printed = out_path.read_text()
        assert READY in printed
        queue = re.findall(r"^\s+(\d+)\. \[(\w+)\] ([^·]+)·", printed, re.M)
        assert queue, printed
        assert queue[0][1:] == ("CSE", "Child sexual exploitation ")  # CSE first
        assert {tier for _, tier, _ in queue} >= {"CSE", "NCII", "Other"}
        for story in (
            "Known media is refused at upload",
            "Report a post",
            "Work the queue",
            "See the post removed",
            "Report without an account",
            "Make a hashtag return nothing",
        ):
            assert story in printed
        assert f"http://127.0.0.1:{mb_port}/p/p_" in printed  # where to see the removal
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        children = _descendants(demo.pid)
        assert len(children) >= 4  # serve (and its workers), worker, Tidepool (and its)

        os.killpg(demo.pid, signal.SIGINT)  # Ctrl-C
        assert demo.wait(timeout=60) == 0
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in children if _alive(p)], "children outlived the demo"
    printed, errors = out_path.read_text(), err_path.read_text()
    assert "Stopping…" in printed
    assert "Traceback" not in printed + errors
    assert "KeyboardInterrupt" not in printed + errors
    for log in (Path(sw.env["SHIELDWALL_HOME"]) / "demo-logs").glob("*.log"):
        assert "Traceback" not in log.read_text(errors="replace"), log.name
