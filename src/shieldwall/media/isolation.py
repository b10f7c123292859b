"""Decode and hash media in child processes that can be killed at once, never in the caller.

A decoder stuck inside FFmpeg or Pillow cannot be interrupted from Python, a crafted file
may crash it, and whatever it allocates stays in the process that decoded it. So items are
decoded in children from a small pool: started lazily from a fork server that preloaded
numpy, Pillow, PyAV and pdqhash (a new child costs milliseconds, and a threaded server is
never forked), reused, held to a CPU-time limit per item and an address-space limit,
SIGKILLed the moment an item's wall-clock limit passes, and replaced when they grow large.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from shieldwall.media import hashing
from shieldwall.media.errors import MediaError
from shieldwall.media.hashing import MediaHashes
from shieldwall.media.limits import MediaLimits

T = TypeVar("T")

# Imported once by the fork server, so every child starts with them loaded.
_PRELOAD = ["shieldwall.media.isolation", "pillow_heif"]
# How long past its wall-clock limit a child may take to report its own clean refusal
# (the budget reads the clock between frames) before it is killed.
_GRACE_SECONDS = 0.5
_MB = 1024 * 1024


@dataclass
class _Child:
    process: BaseProcess
    conn: Connection
    tasks: int = 0


class DecodePool:
    """Child processes that decode media under hard wall-clock, CPU and memory limits."""

    def __init__(
        self,
        *,
        workers: int = 2,
        memory_bytes: int | None = 3072 * _MB,
        recycle_rss_bytes: int = 512 * _MB,
        max_tasks_per_child: int = 1000,
    ) -> None:
        if workers < 1:
            raise ValueError("a decode pool needs at least one worker")
        self.workers = workers
        self.memory_bytes = memory_bytes
        self.recycle_rss_bytes = recycle_rss_bytes
        self.max_tasks_per_child = max_tasks_per_child
        self._reset()

    def _reset(self) -> None:
        # Children belong to the process that started them: a forked copy of the pool
        # (a gunicorn worker forked from its master) starts its own.
        self._owner = os.getpid()
        self._slots = threading.BoundedSemaphore(self.workers)
        self._lock = threading.Lock()
        self._idle: list[_Child] = []
        self._live: set[int] = set()

    def hash_bytes(
        self,
        data: bytes,
        *,
        limits: MediaLimits,
        frames_per_second: float | None = 1.0,
        trim_borders: bool = True,
        near_copies: bool = False,
    ) -> MediaHashes:
        """Hash media bytes in a child; raise MediaError for what cannot be hashed in budget."""
        hashing._check_size(len(data), limits)  # refuse an oversize item before shipping it
        kwargs = {
            "limits": limits,
            "frames_per_second": frames_per_second,
            "trim_borders": trim_borders,
            "near_copies": near_copies,
        }
        return self.run(
            hashing.hash_bytes,
            (),
            kwargs,
            data=data,
            wall_seconds=limits.decode_timeout_seconds,
            cpu_seconds=limits.decode_cpu_seconds,
        )

    def run(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
        *,
        data: bytes | None = None,
        wall_seconds: float,
        cpu_seconds: float,
        wait_seconds: float | None = None,
    ) -> T:
        """Call fn(*args, **kwargs) in a child (data, if given, first); raise what it raises.

        `data` goes down the pipe as it is, not pickled: no second copy of a large upload.
        """
        if os.getpid() != self._owner:
            self._reset()
        wait = wall_seconds if wait_seconds is None else wait_seconds
        if not self._slots.acquire(timeout=max(wait, 0.0)):
            raise MediaError("decoder_busy", "Every decoder is busy; try again in a moment.")
        try:
            return self._call(fn, args, dict(kwargs or {}), data, wall_seconds, cpu_seconds)
        finally:
            self._slots.release()

    def pids(self) -> set[int]:
        """The process ids of the children alive now (idle or decoding)."""
        with self._lock:
            return set(self._live)

    def close(self) -> None:
        """Stop the idle children (busy ones stop when their item ends)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            self._retire(child)

    def _call(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        data: bytes | None,
        wall_seconds: float,
        cpu_seconds: float,
    ) -> T:
        task = (fn, args, kwargs, cpu_seconds, data is not None)
        child = self._checkout()
        try:
            try:
                _send(child.conn, task, data)
            except OSError:  # it died while idle (killed from outside): start afresh
                self._kill(child)
                child = self._start()
                _send(child.conn, task, data)
            if not child.conn.poll(wall_seconds + _GRACE_SECONDS):
                self._kill(child)
                raise MediaError(
                    "decode_timeout", f"Decoding took longer than {wall_seconds:g} seconds."
                )
            try:
                outcome, value, rss = child.conn.recv()
            except (EOFError, OSError):
                raise _death(self._kill(child), cpu_seconds, self.memory_bytes) from None
        except BaseException:
            if child.process.is_alive():  # interrupted mid-item: do not reuse it
                self._kill(child)
            raise
        child.tasks += 1
        large = rss > self.recycle_rss_bytes or child.tasks >= self.max_tasks_per_child
        if outcome == "memory" or large:
            self._retire(child)
        else:
            with self._lock:
                self._idle.append(child)
        if outcome == "memory":
            raise _out_of_memory(self.memory_bytes)
        if outcome == "raised":
            raise value
        return value

    def _checkout(self) -> _Child:
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                if child.process.is_alive():
                    return child
                self._live.discard(child.process.pid or 0)
        return self._start()

    def _start(self) -> _Child:
        ctx = _context()
        ours, theirs = ctx.Pipe(duplex=True)
        process = ctx.Process(
            target=_serve,
            args=(theirs, self.memory_bytes),
            name="shieldwall-decoder",
            daemon=True,
        )
        process.start()
        theirs.close()
        with self._lock:
            self._live.add(process.pid or 0)
        return _Child(process, ours)

    def _kill(self, child: _Child) -> int | None:
        """SIGKILL the child at once and return its exit code (negative: the signal)."""
        if child.process.is_alive():
            child.process.kill()
        child.process.join(timeout=10)
        child.conn.close()
        with self._lock:
            self._live.discard(child.process.pid or 0)
        return child.process.exitcode

    def _retire(self, child: _Child) -> None:
        """Let the child go: it exits when its end of the pipe closes."""
        child.conn.close()
        with self._lock:
            self._live.discard(child.process.pid or 0)


@cache
def _context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)  # and not __main__: the fork server runs no app code
    return ctx


def _death(exitcode: int | None, cpu_seconds: float, memory_bytes: int | None) -> MediaError:
    """The error for a child that died during an item, by how it died."""
    if exitcode == -signal.SIGXCPU:
        return MediaError(
            "decode_cpu_limit",
            f"Decoding used more than {cpu_seconds:g} seconds of processor time.",
        )
    if exitcode == -signal.SIGKILL and memory_bytes:  # the kernel's out-of-memory killer
        return _out_of_memory(memory_bytes)
    return MediaError("decoder_crashed", "The file made the decoder fail; it cannot be hashed.")


def _out_of_memory(memory_bytes: int | None) -> MediaError:
    limit = f" of {memory_bytes // _MB:,} MB" if memory_bytes else ""
    return MediaError(
        "decode_memory_limit", f"Decoding the file needed more than the memory limit{limit}."
    )


def _send(conn: Connection, task: tuple[Any, ...], data: bytes | None) -> None:
    conn.send(task)
    if data is not None:
        conn.send_bytes(data)


def _serve(conn: Connection, memory_bytes: int | None) -> None:
    """A child's life: take an item, do it within its CPU limit, send back the outcome."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops us
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a killed decoder leaves no core file
    if memory_bytes:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            memory_bytes = min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, hard))
    while True:
        try:
            fn, args, kwargs, cpu_seconds, with_data = conn.recv()
            if with_data:
                args = (conn.recv_bytes(), *args)
        except (EOFError, OSError):
            return
        _limit_cpu(cpu_seconds)
        try:
            outcome, value = "ok", fn(*args, **kwargs)
        except MemoryError:
            outcome, value = "memory", None
        except Exception as exc:
            outcome, value = "raised", exc
        _limit_cpu(None)
        try:
            conn.send((outcome, value, _rss()))
        except (EOFError, OSError):
            return
        except Exception:  # an outcome that does not pickle
            conn.send(("raised", RuntimeError(f"{type(value).__name__} did not pickle"), _rss()))
        if outcome == "memory":
            return  # the parent retires this child: free its memory now


def _limit_cpu(seconds: float | None) -> None:
    """Let this process use `seconds` more of CPU time (SIGXCPU kills it after), or any."""
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = hard
    if seconds is not None:
        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = math.ceil(used.ru_utime + used.ru_stime + max(seconds, 0.0)) or 1
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _rss() -> int:
    """This process's resident memory in bytes, now."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
