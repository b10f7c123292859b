"""Hostile media on the command line: one error line with its code, and the run goes on."""

from pathlib import Path

from tests.cli_support import Shieldwall
from tests.hostile import huge_canvas_gif, many_frames_video
from tests.photos import jpeg, photo


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    gif, mp4, good = tmp_path / "canvas.gif", tmp_path / "frames.mp4", tmp_path / "good.jpg"
    gif.write_bytes(huge_canvas_gif())
    mp4.write_bytes(many_frames_video(frames=3000, fps=1000))
    good.write_bytes(jpeg(photo("coffee")))
    return gif, mp4, good


def test_hash_scan_and_bank_add_refuse_hostile_media(sw: Shieldwall, tmp_path: Path) -> None:
    gif, mp4, good = _files(tmp_path)
    files = (str(gif), str(mp4), str(good))
    hashed = sw("hash", *files)
    scanned = sw("scan", "--json", *files)
    assert sw("bank", "create", "known", "--action", "block").code == 0
    added = sw("bank", "add", "known", *files)
    for result in (hashed, scanned, added):
        assert result.code == 2, result.err
        assert "Traceback" not in result.err
        canvas, frames, ok = result.json_lines()
        assert canvas["error"]["code"] == "too_many_decoded_pixels"
        assert frames["error"]["code"] == "frame_rate_too_high"
        assert "error" not in ok


def test_decode_settings_are_validated_at_start(sw: Shieldwall, tmp_path: Path) -> None:
    image = tmp_path / "a.jpg"
    image.write_bytes(jpeg(photo("rocket")))
    sw.env["SHIELDWALL_DECODE_MEMORY_MB"] = "64"
    result = sw("hash", str(image))
    assert result.code == 1
    assert "SHIELDWALL_DECODE_MEMORY_MB must be at least 512" in result.err
