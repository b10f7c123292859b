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
        ("SHIELDWALL_DECODE_CPU_SECONDS", "0", "must be greater than 0"),
        ("SHIELDWALL_DECODE_WORKERS", "0", "SHIELDWALL_DECODE_WORKERS must be at least 1"),
        ("SHIELDWALL_DECODE_MEMORY_MB", "100", "SHIELDWALL_DECODE_MEMORY_MB must be at least 512"),
        ("SHIELDWALL_MAX_VIDEO_PIXELS", "many", "must be a whole number"),
        ("SHIELDWALL_MAX_ANIMATION_PIXELS", "0", "must be at least 1"),
        ("SHIELDWALL_MAX_FRAMES_PER_SECOND", "-5", "must be greater than 0"),
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


def test_audit_key_is_generated_once_outside_the_database(tmp_path: Path) -> None:
    config = load_config({"SHIELDWALL_HOME": str(tmp_path)})
    assert len(config.audit_key) >= 32
    assert config.audit_key != config.secret_key
    assert (tmp_path / "audit_key").stat().st_mode & 0o077 == 0
    assert load_config({"SHIELDWALL_HOME": str(tmp_path)}).audit_key == config.audit_key
    given = "a" * 40
    assert (
        load_config({"SHIELDWALL_HOME": str(tmp_path), "SHIELDWALL_AUDIT_KEY": given}).audit_key
        == given
    )
    with pytest.raises(ConfigError, match="SHIELDWALL_AUDIT_KEY must be at least 32"):
        load_config({"SHIELDWALL_HOME": str(tmp_path), "SHIELDWALL_AUDIT_KEY": "short"})
    assert config.audit_checkpoint == tmp_path / "audit-checkpoint.json"


def test_security_defaults_and_switches(tmp_path: Path) -> None:
    config = load_config({"SHIELDWALL_HOME": str(tmp_path)})
    assert (config.secure_cookies, config.staff_session_hours, config.trusted_proxies) == (
        True,
        8,
        (),
    )
    assert (
        config.login_failures_per_account,
        config.login_failures_per_address,
        config.login_pause_minutes,
        config.report_submits_per_hour,
    ) == (5, 20, 15, 20)
    off = load_config({"SHIELDWALL_HOME": str(tmp_path), "SHIELDWALL_SECURE_COOKIES": "false"})
    assert off.secure_cookies is False
    with pytest.raises(ConfigError, match="SHIELDWALL_LOGIN_PAUSE_MINUTES must be at least 1"):
        load_config({"SHIELDWALL_HOME": str(tmp_path), "SHIELDWALL_LOGIN_PAUSE_MINUTES": "0"})


def test_decode_budget_settings_reach_the_decoders(tmp_path: Path) -> None:
    from shieldwall.core.limits import limits_from, pool_from

    config = load_config(
        {
            "SHIELDWALL_HOME": str(tmp_path),
            "SHIELDWALL_MAX_VIDEO_PIXELS": "123456789",
            "SHIELDWALL_MAX_ANIMATION_PIXELS": "98765",
            "SHIELDWALL_MAX_FRAMES_PER_SECOND": "120",
            "SHIELDWALL_DECODE_CPU_SECONDS": "7.5",
            "SHIELDWALL_DECODE_WORKERS": "3",
            "SHIELDWALL_DECODE_MEMORY_MB": "1024",
        }
    )
    limits = limits_from(config)
    assert limits.max_video_pixels == 123456789
    assert limits.max_animation_pixels == 98765
    assert limits.max_frames_per_second == 120.0
    assert limits.decode_cpu_seconds == 7.5
    pool = pool_from(config)
    assert (pool.workers, pool.memory_bytes) == (3, 1024 * 1024 * 1024)
    assert pool.pids() == set()  # nothing starts until media is decoded


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


def test_index_dir_defaults_under_home_and_is_created(tmp_path: Path) -> None:
    config = load_config({"SHIELDWALL_HOME": str(tmp_path)})
    assert config.index_dir == tmp_path / "index"
    assert config.index_dir.is_dir()


def test_index_dir_may_be_a_shared_mount(tmp_path: Path) -> None:
    shared = tmp_path / "mnt" / "indices"
    config = load_config({"SHIELDWALL_HOME": str(tmp_path), "SHIELDWALL_INDEX_DIR": str(shared)})
    assert config.index_dir == shared


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("relative/index", "SHIELDWALL_INDEX_DIR must be an absolute path"),
        ("/dev/null/index", "SHIELDWALL_INDEX_DIR '/dev/null/index' cannot be created"),
    ],
)
def test_bad_index_dir_is_named_clearly(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config({"SHIELDWALL_HOME": str(tmp_path), "SHIELDWALL_INDEX_DIR": value})
