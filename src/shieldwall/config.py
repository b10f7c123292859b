"""Typed configuration read from SHIELDWALL_* environment variables and DATABASE_URL."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shieldwall.hosts import bare_host

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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
    max_video_frames: int = 100_000
    # The decoding budget of one item, across all its frames (see media/limits.py).
    max_video_pixels: int = 40_000_000_000
    max_animation_pixels: int = 1_000_000_000
    max_frames_per_second: float = 240.0
    decode_timeout_seconds: float = 120.0
    decode_cpu_seconds: float = 120.0
    # Media is decoded in child processes: this many per serving process, each held to
    # this much address space (it cannot load its libraries in much less than 512 MB).
    decode_workers: int = 2
    decode_memory_mb: int = 3072
    index_refresh_seconds: float = 1.0
    # Where the worker writes the banks' index snapshots for every serving process to map:
    # a local directory, or a shared mount when serving processes run on several machines.
    index_dir: Path = Path()
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
    # The audit chain is keyed with this secret, kept outside the database; checkpoints of
    # the chain's head are written to `audit_checkpoint` (a file, also outside it).
    audit_key: str = ""
    audit_checkpoint: Path = Path()
    # Proxies whose X-Forwarded-For is believed; everyone else is known by the socket peer.
    trusted_proxies: tuple[IPNetwork, ...] = ()
    # Who may scrape /metrics (by client address, behind trusted proxies as everywhere):
    # counts of open cases and backlogs are for operators, so loopback only by default.
    metrics_allow: tuple[IPNetwork, ...] = (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    # Secure (https-only) session and CSRF cookies and HSTS; off only for plain-http demos.
    secure_cookies: bool = True
    staff_session_hours: int = 8
    # Sign-in pauses after this many failures for one account, or from one address.
    login_failures_per_account: int = 5
    login_failures_per_address: int = 20
    login_pause_minutes: int = 15
    report_submits_per_hour: int = 20
    # Hosts that webhooks and hash exchanges may reach although they are loopback or private
    # (core/egress.py); by name, exactly as they appear in the URL.
    allow_private_hosts: tuple[str, ...] = ()
    # An allowed upload within this PDQ distance of a blocking bank (beyond the bank's own
    # threshold) is shown to staff as a near match; 0 turns it off.
    near_match_radius: int = 52
    # This many blocked uploads by one account within the window open a case on it (one
    # against a verified-CSAM bank opens it at once).
    blocked_uploads_case_count: int = 3
    blocked_uploads_window_hours: float = 24.0
    # Discovery: solicitation patterns (operator's file, one a line; the project ships none)
    # and how many review cases one round of account leads may open.
    solicitation_patterns: tuple[str, ...] = ()
    discovery_cases_per_run: int = 10


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


def _home_secret(env: Mapping[str, str], home: Path, name: str, filename: str) -> str:
    """The secret in env[name], or one generated once into home/filename (mode 0600)."""
    value = env.get(name, "")
    if value:
        if len(value) < 32:
            raise ConfigError(f"{name} must be at least 32 characters long.")
        return value
    path = home / filename
    if not path.exists():
        # Written beside and linked into place, so two processes starting at once agree on
        # one key and neither reads a half-written file.
        tmp = home / f".{filename}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    value = path.read_text().strip()
    if len(value) < 32:
        raise ConfigError(f"{path} must hold at least 32 characters; set {name} or remove it.")
    return value


def _networks(env: Mapping[str, str], name: str) -> tuple[IPNetwork, ...]:
    networks = []
    for item in env.get(name, "").split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ConfigError(
                f"{name} must list IP addresses or networks (CIDR) separated by commas; "
                f"{item.strip()!r} is neither."
            ) from None
    return tuple(networks)


_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
# Cloud metadata services: never reached by webhooks or exchanges, even if allowed by name.
METADATA_ADDRESSES = (
    "169.254.169.254",  # AWS, GCP, Azure, DigitalOcean, OpenStack
    "169.254.170.2",  # AWS ECS task credentials
    "fd00:ec2::254",  # AWS over IPv6
    "168.63.129.16",  # Azure wire server (a public address)
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud
)


def _patterns(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A file of patterns, one a line (blank lines and lines starting with # skipped)."""
    raw = env.get(name, "").strip()
    if not raw:
        return ()
    try:
        text = Path(raw).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name} must name a readable UTF-8 file: {exc}") from None
    lines = (line.strip() for line in text.splitlines())
    return tuple(dict.fromkeys(line for line in lines if line and not line.startswith("#")))


def _private_hosts(env: Mapping[str, str]) -> tuple[str, ...]:
    """SHIELDWALL_ALLOW_PRIVATE_HOSTS: comma-separated host names or addresses, no wildcards."""
    name = "SHIELDWALL_ALLOW_PRIVATE_HOSTS"
    hosts = []
    for raw in env.get(name, "").split(","):
        host = bare_host(raw)
        if not host:
            continue
        try:
            literal = str(ipaddress.ip_address(host))
        except ValueError:
            if not _HOST_NAME.match(host):
                raise ConfigError(
                    f"{name} lists host names or addresses separated by commas "
                    f"(no ports, paths or wildcards); {raw.strip()!r} is not one."
                ) from None
        else:
            if literal in METADATA_ADDRESSES:
                raise ConfigError(
                    f"{name}: {host} is a cloud metadata address; it is never allowed."
                )
            host = literal
        hosts.append(host)
    return tuple(dict.fromkeys(hosts))


def _near_radius(env: Mapping[str, str]) -> int:
    name = "SHIELDWALL_NEAR_MATCH_RADIUS"
    radius = _int(env, name, Config.near_match_radius, minimum=0)
    if radius > 128:
        raise ConfigError(f"{name} must be at most 128 (half of PDQ's 256 bits), got {radius}.")
    return radius


def _index_dir(env: Mapping[str, str], home: Path) -> Path:
    """SHIELDWALL_INDEX_DIR (default: $SHIELDWALL_HOME/index), created if missing."""
    name = "SHIELDWALL_INDEX_DIR"
    raw = env.get(name, "")
    if "\x00" in raw:
        raise ConfigError(f"{name} holds the NUL character.")
    path = Path(raw).expanduser() if raw.strip() else home / "index"
    if not path.is_absolute():
        raise ConfigError(f"{name} must be an absolute path, got {raw!r}.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{name} {str(path)!r} cannot be created: {exc.strerror}.") from None
    return path


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
        max_video_pixels=_int(env, "SHIELDWALL_MAX_VIDEO_PIXELS", Config.max_video_pixels),
        max_animation_pixels=_int(
            env, "SHIELDWALL_MAX_ANIMATION_PIXELS", Config.max_animation_pixels
        ),
        max_frames_per_second=_float(
            env, "SHIELDWALL_MAX_FRAMES_PER_SECOND", Config.max_frames_per_second
        ),
        decode_timeout_seconds=_float(
            env, "SHIELDWALL_DECODE_TIMEOUT_SECONDS", Config.decode_timeout_seconds
        ),
        decode_cpu_seconds=_float(env, "SHIELDWALL_DECODE_CPU_SECONDS", Config.decode_cpu_seconds),
        decode_workers=_int(env, "SHIELDWALL_DECODE_WORKERS", Config.decode_workers),
        decode_memory_mb=_int(
            env, "SHIELDWALL_DECODE_MEMORY_MB", Config.decode_memory_mb, minimum=512
        ),
        deadline_cse_minutes=_int(env, "SHIELDWALL_DEADLINE_CSE_MINUTES", 60),
        deadline_ncii_minutes=_int(env, "SHIELDWALL_DEADLINE_NCII_MINUTES", 12 * 60),
        deadline_other_minutes=_int(env, "SHIELDWALL_DEADLINE_OTHER_MINUTES", 72 * 60),
        interim_limit_reports=_int(env, "SHIELDWALL_INTERIM_LIMIT_REPORTS", 3, minimum=0),
        webhook_lease_seconds=_float(env, "SHIELDWALL_WEBHOOK_LEASE_SECONDS", 60.0),
        allow_private_hosts=_private_hosts(env),
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
        index_dir=_index_dir(env, home),
        audit_key=_home_secret(env, home, "SHIELDWALL_AUDIT_KEY", "audit_key"),
        audit_checkpoint=Path(
            env.get("SHIELDWALL_AUDIT_CHECKPOINT") or home / "audit-checkpoint.json"
        ).expanduser(),
        trusted_proxies=_networks(env, "SHIELDWALL_TRUSTED_PROXIES"),
        metrics_allow=_networks(env, "SHIELDWALL_METRICS_ALLOW") or Config.metrics_allow,
        secure_cookies=_bool(env, "SHIELDWALL_SECURE_COOKIES", True),
        staff_session_hours=_int(env, "SHIELDWALL_STAFF_SESSION_HOURS", 8),
        login_failures_per_account=_int(env, "SHIELDWALL_LOGIN_FAILURES_PER_ACCOUNT", 5),
        login_failures_per_address=_int(env, "SHIELDWALL_LOGIN_FAILURES_PER_ADDRESS", 20),
        login_pause_minutes=_int(env, "SHIELDWALL_LOGIN_PAUSE_MINUTES", 15),
        report_submits_per_hour=_int(env, "SHIELDWALL_REPORT_SUBMITS_PER_HOUR", 20),
        solicitation_patterns=_patterns(env, "SHIELDWALL_SOLICITATION_PATTERNS_FILE"),
        discovery_cases_per_run=_int(
            env, "SHIELDWALL_DISCOVERY_CASES_PER_RUN", Config.discovery_cases_per_run, minimum=0
        ),
    )
