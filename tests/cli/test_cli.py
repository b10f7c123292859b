"""The command line's exact shapes, which scripts depend on."""

from pathlib import Path

from tests.cli_support import Shieldwall
from tests.conftest import PDQ_DIR, VIDEO_DIR
from tests.photos import EDITS, jpeg, photo


def test_hash_prints_one_json_line_per_file(sw: Shieldwall, tmp_path: Path) -> None:
    image = PDQ_DIR / "bridge-mods" / "aaa-orig.jpg"
    video = VIDEO_DIR / "doorknob-hd-no-bar.mp4"
    result = sw("hash", str(image), str(video))
    assert result.code == 0, result.err
    first, second = result.json_lines()
    assert set(first) == {"file", "media_type", "md5", "sha256", "pdq", "pdq_quality"}
    assert first["file"] == str(image)
    assert first["media_type"] == "image"
    assert len(first["pdq"]) == 64
    assert 0 <= first["pdq_quality"] <= 100
    assert second["media_type"] == "video"
    assert second["vpdq"]
    assert set(second["vpdq"][0]) == {"second", "pdq", "quality"}
    assert [f["second"] for f in second["vpdq"][:3]] == sorted(
        f["second"] for f in second["vpdq"][:3]
    )


def test_hash_reports_bad_files_and_goes_on(sw: Shieldwall, tmp_path: Path) -> None:
    fake = tmp_path / "notes.jpg"
    fake.write_text("<html>not an image</html>")
    good = PDQ_DIR / "bridge-mods" / "aaa-orig.jpg"
    result = sw("hash", str(fake), str(tmp_path / "missing.png"), str(good))
    assert result.code == 2
    bad, missing, ok = result.json_lines()
    assert bad["error"]["code"] == "unsupported_type"
    assert missing["error"]["code"] == "not_found"
    assert ok["media_type"] == "image"
    assert "Traceback" not in result.err


def test_bank_scan_export_import_round_trip(sw: Shieldwall, tmp_path: Path) -> None:
    banked = tmp_path / "banked.jpg"
    banked.write_bytes(jpeg(photo("chelsea")))
    mirrored = tmp_path / "copy.jpg"
    mirrored.write_bytes(EDITS["mirrored"](photo("chelsea")))
    other = tmp_path / "other.jpg"
    other.write_bytes(jpeg(photo("rocket")))
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"PK\x03\x04zipzipzip")

    reason = ("--reason", "ticket 9: media removed by the platform")
    r = sw("bank", "create", "removed", "--kind", "platform_removed", "--action", "block")
    assert r.code == 1
    assert "give a reason (the command line's --reason)" in r.err
    r = sw("bank", "create", "removed", "--kind", "platform_removed", "--action", "block", *reason)
    assert r.code == 0, r.err
    r = sw("bank", "add", "removed", str(banked))
    assert (r.code, r.out) == (1, "")
    assert "--reason" in r.err
    assert sw("bank", "add", "removed", str(banked), *reason).code == 0
    r = sw("scan", str(mirrored), str(other), str(junk), "--json")
    assert r.code == 2
    hit, miss, err = r.json_lines()
    assert hit["file"] == str(mirrored)
    assert hit["verdict"] == "block"
    assert set(hit["matches"][0]) == {"bank", "signal_type", "distance", "entry_id"}
    assert hit["matches"][0]["bank"] == "removed"
    assert miss == {"file": str(other), "verdict": "allow", "matches": []}
    assert set(err) == {"file", "error"}
    assert err["error"]["code"] == "unsupported_type"

    assert sw("bank", "export", "removed").code == 1  # a protected bank's hashes: with a reason
    exported = sw("bank", "export", "removed", *reason)
    assert exported.out.splitlines()[0] == "signal_type,value,note"
    listing = tmp_path / "list.csv"
    listing.write_text(exported.out)
    assert sw("bank", "create", "copy", "--action", "review", "--pdq-threshold", "20").code == 0
    r = sw("bank", "import", "copy", str(listing))
    assert r.code == 0
    assert "imported 3 new entries" in r.out
    banks = {b["name"]: b for b in sw("bank", "list", "--json").json_lines()}
    assert banks["copy"]["entries"] == {"md5": 1, "sha256": 1, "pdq": 1}
    assert banks["copy"]["pdq_threshold"] == 20
    assert (banks["removed"]["protected"], banks["copy"]["protected"]) == (True, False)
    assert sw("audit", "verify").out.startswith("audit log intact")


def test_bank_errors_are_one_clear_line(sw: Shieldwall, tmp_path: Path) -> None:
    r = sw("bank", "add", "nope", str(PDQ_DIR / "bridge-mods" / "aaa-orig.jpg"))
    assert r.code == 1
    assert r.err.strip() == "shieldwall: No bank is named 'nope'."
    bad = tmp_path / "bad.csv"
    bad.write_text("pdq,123\n")
    sw("bank", "create", "b")
    r = sw("bank", "import", "b", str(bad))
    assert r.code == 1
    assert "row 1: a pdq hash is 64 hexadecimal characters" in r.err


def test_apikey_printed_once_alone_on_last_line(sw: Shieldwall) -> None:
    r = sw("apikey", "create", "platform")
    assert r.code == 0
    key = r.out.strip().splitlines()[-1]
    assert key.startswith("sw_")
    assert " " not in key
    assert key not in sw("apikey", "list").out


def test_createadmin(sw: Shieldwall) -> None:
    r = sw("createadmin", "--username", "root-admin")
    assert r.code == 0, r.err
    assert "password: " in r.out


def test_configuration_errors_are_clear(sw: Shieldwall) -> None:
    sw.env["SHIELDWALL_MAX_PIXELS"] = "many"
    r = sw("bank", "list")
    assert r.code == 1
    assert r.err.strip() == (
        "shieldwall: configuration error: SHIELDWALL_MAX_PIXELS must be a whole number, got 'many'."
    )
