"""Video matching on Meta's vPDQ frame hashes of the TMK/vPDQ sample videos (BSD, see data/)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shieldwall.matching.index import hex_to_array
from shieldwall.matching.video import VideoFrames, VideoIndex

DATA = Path(__file__).parent / "data"
ORIG = "chair-orig-22-sd-bar"
CHAIR_VARIANTS = [
    "chair-19-sd-bar",
    "chair-20-sd-bar",
    "chair-22-sd-grey-bar",
    "chair-22-sd-sepia-bar",
    "chair-22-with-small-logo-bar",
]


def load(name: str, entry_id: int = 0) -> VideoFrames:
    """Read a `frame,quality,pdq,seconds` file of every frame of a video."""
    rows = [line.split(",") for line in (DATA / f"{name}.vpdq.txt").read_text().splitlines()]
    return VideoFrames(
        entry_id=entry_id,
        seconds=np.array([float(r[3]) for r in rows]),
        hashes=hex_to_array([r[2] for r in rows]),
        qualities=np.array([int(r[1]) for r in rows]),
    )


def one_fps(video: VideoFrames) -> tuple[np.ndarray, np.ndarray]:
    """The first frame at or after each whole second, as a 1 fps query samples it."""
    rows = np.searchsorted(video.seconds, np.arange(int(video.seconds[-1]) + 1), side="left")
    return video.hashes[rows], video.qualities[rows]


@pytest.fixture(scope="module")
def index() -> VideoIndex:
    return VideoIndex([load(ORIG, entry_id=1)])


@pytest.mark.parametrize("name", CHAIR_VARIANTS)
def test_chair_variants_match_the_original(index: VideoIndex, name: str) -> None:
    [match] = index.match_video(*one_fps(load(name)))
    assert match.entry_id == 1
    assert match.query_match_pct >= 80 or match.bank_match_pct >= 80


def test_the_19_second_clip_matches_by_its_own_frames(index: VideoIndex) -> None:
    [match] = index.match_video(*one_fps(load("chair-19-sd-bar")))
    assert match.query_match_pct >= 80
    assert match.bank_match_pct < 100  # a clip covers only part of the banked video


def test_large_logo_does_not_match_like_tmk(index: VideoIndex) -> None:
    # the large logo changes every frame by more than 31 bits; Meta's TMK misses it too
    assert index.match_video(*one_fps(load("chair-22-with-large-logo-bar"))) == []


def test_unrelated_video_matches_nothing(index: VideoIndex) -> None:
    hashes, qualities = one_fps(load("doorknob-hd-no-bar"))
    assert index.match_video(hashes, qualities) == []
    assert index.match_video(hashes, qualities, query_pct=1, bank_pct=1) == []


def test_low_quality_query_frames_are_ignored(index: VideoIndex) -> None:
    hashes, qualities = one_fps(load("chair-20-sd-bar"))
    assert index.match_video(hashes, np.zeros_like(qualities)) == []


def test_banked_excerpt_inside_a_longer_upload_matches_by_bank_share() -> None:
    orig = load(ORIG)
    part = (orig.seconds >= 5) & (orig.seconds < 10)
    excerpt = VideoFrames(7, orig.seconds[part], orig.hashes[part], orig.qualities[part])
    other = load("doorknob-hd-no-bar", entry_id=8)
    index = VideoIndex([excerpt, other])
    door_h, _ = one_fps(other)
    chair_h, chair_q = one_fps(load("chair-20-sd-bar"))
    query_h = np.concatenate([door_h, chair_h, door_h])
    query_q = np.concatenate([np.full(len(door_h), 100), chair_q, np.full(len(door_h), 100)])
    matches = {m.entry_id: m for m in index.match_video(query_h, query_q)}
    assert set(matches) >= {7}
    assert matches[7].bank_match_pct == 100.0
    assert matches[7].query_match_pct < 80
    # without the bank-share rule it would be missed
    assert 7 not in {m.entry_id for m in index.match_video(query_h, query_q, bank_pct=101)}


def test_still_frame_matches_via_match_image(index: VideoIndex) -> None:
    still = load("chair-20-sd-bar").hashes[300]
    others = np.random.default_rng(0).integers(0, 256, (7, 32), dtype=np.uint8)
    [match] = index.match_image(np.concatenate([others[:3], still[None], others[3:]]))
    assert match.entry_id == 1
    assert match.distance <= 31
    assert match.query_match_pct == 100.0
    assert type(match.bank_match_pct) is float
    assert index.match_image(others) == []


def test_empty_bank() -> None:
    empty = VideoIndex([])
    assert len(empty) == 0
    assert empty.match_video(*one_fps(load(ORIG))) == []
    assert empty.match_image(load(ORIG).hashes[:8]) == []
