"""Typed configuration read from SHIELDWALL_* environment variables and DATABASE_URL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and the fix."""


@dataclass(frozen=True)
class Config:
    """Everything Shieldwall reads from its environment, validated once at start."""

    home: Path
    database_url: str
    secret_key: str
    debug: bool = False
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]", "testserver")
    log_format: str = "console"
    log_level: str = "INFO"
    max_upload_bytes: int = 200 * 1024 * 1024
    max_pixels: int = 64_000_000
    max_video_seconds: float = 3 * 3600.0
    max_video_frames: int = 500_000
    decode_timeout_seconds: float = 120.0
    index_refresh_seconds: float = 1.0
    # Review deadlines per priority tier (child sexual exploitation, NCII, everything else).
    deadline_cse_minutes: int = 60
    deadline_ncii_minutes: int = 12 * 60
    deadline_other_minutes: int = 72 * 60
    # Limit a post (interstitial) once this many people report it for child sexual
    # exploitation, or at once on a hash match; 0 turns interim protection off.
    interim_limit_reports: int = 3
    # How long a worker holds a webhook delivery it is sending; a killed worker's deliveries
    # become due again after this.
    webhook_lease_seconds: float = 60.0
    # An allowed upload within this PDQ distance of a blocking bank (beyond the bank's own
    # threshold) is shown to staff as a near match; 0 turns it off.
    near_match_radius: int = 52
    # This many blocked uploads by one account within the window open a case on it (one
    # against a verified-CSAM bank opens it at once).
    blocked_uploads_case_count: int = 3
    blocked_uploads_window_hours: float = 24.0


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value


def _float(env: Mapping[str, str], name: str, default: float, *, allow_zero: bool = False) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}.") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{name} must be greater than 0, got {value}.")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}.")


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name) or default
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}.")
    return raw


def _database_url(env: Mapping[str, str], home: Path) -> str:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{home / 'shieldwall.sqlite3'}"
    scheme = url.split(":", 1)[0]
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(
            f"DATABASE_URL must start with sqlite:// or postgres://, got scheme {scheme!r}."
        )
    return url


def _secret_key(env: Mapping[str, str], home: Path) -> str:
    """Use SHIELDWALL_SECRET_KEY, or a key generated once and kept in the home folder."""
    key = env.get("SHIELDWALL_SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise ConfigError("SHIELDWALL_SECRET_KEY must be at least 32 characters long.")
        return key
    path = home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _near_radius(env: Mapping[str, str]) -> int:
    name = "SHIELDWALL_NEAR_MATCH_RADIUS"
    radius = _int(env, name, Config.near_match_radius, minimum=0)
    if radius > 128:
        raise ConfigError(f"{name} must be at most 128 (half of PDQ's 256 bits), got {radius}.")
    return radius


def load_config(env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the configuration; raise ConfigError with a clear message."""
    env = os.environ if env is None else env
    home = Path(
        env.get("SHIELDWALL_HOME") or Path.home() / ".local" / "share" / "shieldwall"
    ).expanduser()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"SHIELDWALL_HOME {str(home)!r} cannot be created: {exc.strerror}."
        ) from None
    hosts = tuple(
        h.strip() for h in env.get("SHIELDWALL_ALLOWED_HOSTS", "").split(",") if h.strip()
    )
    return Config(
        home=home,
        database_url=_database_url(env, home),
        secret_key=_secret_key(env, home),
        debug=_bool(env, "SHIELDWALL_DEBUG", False),
        allowed_hosts=hosts or Config.allowed_hosts,
        log_format=_choice(env, "SHIELDWALL_LOG_FORMAT", "console", ("console", "json")),
        log_level=_choice(
            env, "SHIELDWALL_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")
        ),
        max_upload_bytes=_int(env, "SHIELDWALL_MAX_UPLOAD_BYTES", Config.max_upload_bytes),
        max_pixels=_int(env, "SHIELDWALL_MAX_PIXELS", Config.max_pixels),
        max_video_seconds=_float(env, "SHIELDWALL_MAX_VIDEO_SECONDS", Config.max_video_seconds),
        max_video_frames=_int(env, "SHIELDWALL_MAX_VIDEO_FRAMES", Config.max_video_frames),
        decode_timeout_seconds=_float(
            env, "SHIELDWALL_DECODE_TIMEOUT_SECONDS", Config.decode_timeout_seconds
        ),
        deadline_cse_minutes=_int(env, "SHIELDWALL_DEADLINE_CSE_MINUTES", 60),
        deadline_ncii_minutes=_int(env, "SHIELDWALL_DEADLINE_NCII_MINUTES", 12 * 60),
        deadline_other_minutes=_int(env, "SHIELDWALL_DEADLINE_OTHER_MINUTES", 72 * 60),
        interim_limit_reports=_int(env, "SHIELDWALL_INTERIM_LIMIT_REPORTS", 3, minimum=0),
        webhook_lease_seconds=_float(env, "SHIELDWALL_WEBHOOK_LEASE_SECONDS", 60.0),
        near_match_radius=_near_radius(env),
        blocked_uploads_case_count=_int(
            env, "SHIELDWALL_BLOCKED_UPLOADS_CASE_COUNT", Config.blocked_uploads_case_count
        ),
        blocked_uploads_window_hours=_float(
            env, "SHIELDWALL_BLOCKED_UPLOADS_WINDOW_HOURS", Config.blocked_uploads_window_hours
        ),
        index_refresh_seconds=_float(
            env,
            "SHIELDWALL_INDEX_REFRESH_SECONDS",
            Config.index_refresh_seconds,
            allow_zero=True,
        ),
    )
