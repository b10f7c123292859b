"""Decoding in child processes: same hashes, hard limits, and a pool that survives its losses.

Built-in functions stand in for a decoder that hangs (time.sleep), spins inside C code
(sum over a huge range), allocates without end (bytearray) or crashes (os.abort): like
FFmpeg, none of them can be interrupted from Python.
"""

from __future__ import annotations

import os
import pickle
import resource
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.hostile import huge_canvas_gif

from conftest import FIXTURES, VIDEO_DIR, make_video
from shieldwall.media import MediaError, MediaLimits, hash_bytes
from shieldwall.media.isolation import DecodePool

LIMITS = MediaLimits()
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}


@pytest.fixture
def pool() -> Iterator[DecodePool]:
    decoders = DecodePool(workers=2, memory_bytes=1024 * 1024 * 1024)
    yield decoders
    decoders.close()


def _gone(pid: int) -> bool:
    """Whether the process has exited (its parent, the fork server, reaps it at once)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def _refusal(pool: DecodePool, fn: object, *args: object, **limits: float) -> MediaError:
    with pytest.raises(MediaError) as caught:
        pool.run(fn, args, **limits)  # type: ignore[arg-type]
    return caught.value


def test_every_fixture_hashes_as_it_does_in_process(pool: DecodePool) -> None:
    images = sorted(p for p in FIXTURES.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    assert len(images) >= 30
    for path in images:
        data = path.read_bytes()
        try:
            expected: object = hash_bytes(data)
        except MediaError as exc:
            expected = (exc.code, exc.message)
        try:
            got: object = pool.hash_bytes(data, limits=LIMITS)
        except MediaError as exc:
            got = (exc.code, exc.message)
        assert got == expected, path
    videos = sorted(VIDEO_DIR.glob("*.mp4"))
    assert len(videos) >= 8
    for path in videos:
        data = path.read_bytes()
        assert pool.hash_bytes(data, limits=LIMITS) == hash_bytes(data), path
    data = (VIDEO_DIR / "doorknob-hd-no-bar.mp4").read_bytes()
    every = pool.hash_bytes(data, limits=LIMITS, frames_per_second=None)
    assert every == hash_bytes(data, frames_per_second=None)


def test_children_start_on_first_use_and_are_reused(pool: DecodePool) -> None:
    assert pool.pids() == set()
    data = make_video(seconds=1)
    pool.hash_bytes(data, limits=LIMITS)
    first = pool.pids()
    assert len(first) == 1
    for _ in range(3):
        pool.hash_bytes(data, limits=LIMITS)
    assert pool.pids() == first
    assert os.getpid() not in first


def test_hostile_file_is_refused_cleanly_by_the_child(pool: DecodePool) -> None:
    pool.hash_bytes(make_video(seconds=1), limits=LIMITS)
    child = pool.pids()
    with pytest.raises(MediaError) as caught:
        pool.hash_bytes(huge_canvas_gif(), limits=LIMITS)
    assert caught.value.code == "too_many_decoded_pixels"
    assert pool.pids() == child  # a refusal within budget costs no child


def test_a_hung_decoder_is_killed_at_the_wall_clock_limit(pool: DecodePool) -> None:
    pool.hash_bytes(make_video(seconds=1), limits=LIMITS)
    (hung,) = pool.pids()
    error = _refusal(pool, time.sleep, 600, wall_seconds=1, cpu_seconds=60)
    assert error.code == "decode_timeout"
    assert "1 seconds" in error.message
    assert _gone(hung)
    assert pool.hash_bytes(make_video(seconds=1), limits=LIMITS).media_type == "video"
    assert hung not in pool.pids()


def test_a_decoder_spinning_in_c_is_stopped_by_its_cpu_limit(pool: DecodePool) -> None:
    error = _refusal(pool, sum, range(10**15), wall_seconds=600, cpu_seconds=1)
    assert error.code == "decode_cpu_limit"
    assert pool.pids() == set()
    assert pool.hash_bytes(make_video(seconds=1), limits=LIMITS).media_type == "video"


def test_cpu_limit_is_what_the_child_used_so_far_plus_the_items_budget(
    pool: DecodePool,
) -> None:
    for budget in (5, 30):
        used, soft = pool.run(_cpu_window, wall_seconds=60, cpu_seconds=budget)
        assert soft != resource.RLIM_INFINITY
        assert used + budget - 1 < soft <= used + budget + 1


def _cpu_window() -> tuple[float, int]:
    """The CPU seconds this process has used, and its soft CPU limit."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, resource.getrlimit(resource.RLIMIT_CPU)[0]


def test_a_decoder_over_its_memory_limit_is_replaced(pool: DecodePool) -> None:
    pool.hash_bytes(make_video(seconds=1), limits=LIMITS)
    (child,) = pool.pids()
    error = _refusal(pool, bytearray, 2 * 1024**3, wall_seconds=60, cpu_seconds=60)
    assert error.code == "decode_memory_limit"
    assert "1,024 MB" in error.message
    assert _gone(child)
    assert pool.hash_bytes(make_video(seconds=1), limits=LIMITS).media_type == "video"


def test_a_crashing_decoder_is_replaced(pool: DecodePool) -> None:
    pool.hash_bytes(make_video(seconds=1), limits=LIMITS)
    (child,) = pool.pids()
    assert _refusal(pool, os.abort, wall_seconds=60, cpu_seconds=60).code == "decoder_crashed"
    assert _gone(child)
    assert pool.hash_bytes(make_video(seconds=1), limits=LIMITS).media_type == "video"


def test_a_child_killed_while_idle_is_replaced(pool: DecodePool) -> None:
    pool.hash_bytes(make_video(seconds=1), limits=LIMITS)
    (child,) = pool.pids()
    os.kill(child, 9)
    assert _gone(child)
    assert pool.hash_bytes(make_video(seconds=1), limits=LIMITS).media_type == "video"
    assert child not in pool.pids()


def test_children_have_limits_and_leave_no_core_files(pool: DecodePool) -> None:
    limits = pool.run(
        _own_limits, wall_seconds=60, cpu_seconds=60
    )  # a killed decoder holds media: no core dump may keep it on disk
    assert limits["core"] == (0, 0)
    assert limits["address_space"][0] == 1024 * 1024 * 1024


def _own_limits() -> dict[str, tuple[int, int]]:
    return {
        "core": resource.getrlimit(resource.RLIMIT_CORE),
        "address_space": resource.getrlimit(resource.RLIMIT_AS),
    }


def test_a_large_child_is_recycled() -> None:
    decoders = DecodePool(workers=1, recycle_rss_bytes=1)
    try:
        seen = set()
        for _ in range(3):
            decoders.hash_bytes(make_video(seconds=1), limits=LIMITS)
            assert decoders.pids() == set()  # retired as soon as its item was done
            seen |= {decoders.run(os.getpid, wall_seconds=60, cpu_seconds=60)}
        assert len(seen) == 3
    finally:
        decoders.close()


def test_exceptions_in_the_child_are_raised_in_the_caller(pool: DecodePool) -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        pool.run(int, ("not a number",), wall_seconds=60, cpu_seconds=60)
    with pytest.raises(ValueError, match="frames_per_second"):
        pool.hash_bytes(make_video(seconds=1), limits=LIMITS, frames_per_second=0)


def test_every_decoder_busy_is_refused_after_the_wait() -> None:
    decoders = DecodePool(workers=1)
    try:
        holder = threading.Thread(
            target=decoders.run,
            args=(time.sleep, (3,)),
            kwargs={"wall_seconds": 30, "cpu_seconds": 30},
        )
        holder.start()
        deadline = time.monotonic() + 30
        while not decoders.pids() and time.monotonic() < deadline:
            time.sleep(0.01)
        error = _refusal(decoders, os.getpid, wall_seconds=30, cpu_seconds=30, wait_seconds=0)
        assert error.code == "decoder_busy"
        holder.join()
        assert decoders.run(os.getpid, wall_seconds=30, cpu_seconds=30) in decoders.pids()
    finally:
        decoders.close()


def test_concurrent_callers_share_the_children(pool: DecodePool) -> None:
    data = make_video(seconds=2)
    expected = hash_bytes(data)
    results: list[object] = []

    def scan() -> None:
        results.append(pool.hash_bytes(data, limits=LIMITS))

    threads = [threading.Thread(target=scan) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 6
    assert 1 <= len(pool.pids()) <= 2


def test_media_errors_cross_the_process_boundary_whole() -> None:
    error = pickle.loads(pickle.dumps(MediaError("decoder_busy", "Every decoder is busy.")))
    assert (error.code, error.message) == ("decoder_busy", "Every decoder is busy.")
