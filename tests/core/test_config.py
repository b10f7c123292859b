from pathlib import Path

import pytest

from shieldwall.config import ConfigError, load_config


def test_defaults_use_sqlite_under_home(tmp_path: Path) -> None:
    config = load_config({"SHIELDWALL_HOME": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'shieldwall.sqlite3'}"
    assert config.home == tmp_path
    # The generated secret key is kept and reused.
    assert load_config({"SHIELDWALL_HOME": str(tmp_path)}).secret_key == config.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SHIELDWALL_MAX_PIXELS", "lots", "SHIELDWALL_MAX_PIXELS must be a whole number"),
        ("SHIELDWALL_MAX_PIXELS", "0", "SHIELDWALL_MAX_PIXELS must be at least 1"),
        ("SHIELDWALL_DEBUG", "perhaps", "SHIELDWALL_DEBUG must be true or false"),
        ("SHIELDWALL_LOG_FORMAT", "xml", "SHIELDWALL_LOG_FORMAT must be one of console, json"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL must start with sqlite:// or postgres://"),
        ("SHIELDWALL_SECRET_KEY", "short", "at least 32 characters"),
        ("SHIELDWALL_DECODE_TIMEOUT_SECONDS", "-1", "must be greater than 0"),
        ("SHIELDWALL_NEAR_MATCH_RADIUS", "200", "SHIELDWALL_NEAR_MATCH_RADIUS must be at most"),
        ("SHIELDWALL_NEAR_MATCH_RADIUS", "-1", "SHIELDWALL_NEAR_MATCH_RADIUS must be at least 0"),
        ("SHIELDWALL_BLOCKED_UPLOADS_CASE_COUNT", "0", "must be at least 1"),
        ("SHIELDWALL_BLOCKED_UPLOADS_WINDOW_HOURS", "0", "must be greater than 0"),
    ],
)
def test_bad_settings_are_named_clearly(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config({"SHIELDWALL_HOME": str(tmp_path), name: value})


def test_unusable_home_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match=r"SHIELDWALL_HOME .* cannot be created"):
        load_config({"SHIELDWALL_HOME": str(blocker / "home")})


def test_scan_signal_settings(tmp_path: Path) -> None:
    config = load_config(
        {
            "SHIELDWALL_HOME": str(tmp_path),
            "SHIELDWALL_NEAR_MATCH_RADIUS": "0",
            "SHIELDWALL_BLOCKED_UPLOADS_CASE_COUNT": "5",
            "SHIELDWALL_BLOCKED_UPLOADS_WINDOW_HOURS": "1.5",
        }
    )
    assert (config.near_match_radius, config.blocked_uploads_case_count) == (0, 5)
    assert config.blocked_uploads_window_hours == 1.5
    assert load_config({"SHIELDWALL_HOME": str(tmp_path)}).near_match_radius == 52
