"""Django settings of the reference microblog, read from MICROBLOG_* and SHIELDWALL_* variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
HOME = Path(
    os.environ.get("MICROBLOG_HOME") or Path.home() / ".local" / "share" / "shieldwall-microblog"
).expanduser()
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """MICROBLOG_SECRET_KEY, or a key generated once into the home folder."""
    key = os.environ.get("MICROBLOG_SECRET_KEY", "")
    if key:
        return key
    path = HOME / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("MICROBLOG_DEBUG", "").lower() in {"1", "true", "yes", "on"}
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("MICROBLOG_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]

# The platform's side of the integration (docs/integration.md).
SHIELDWALL_URL = os.environ.get("SHIELDWALL_URL", "").rstrip("/")
SHIELDWALL_API_KEY = os.environ.get("SHIELDWALL_API_KEY", "")
SHIELDWALL_WEBHOOK_SECRET = os.environ.get("SHIELDWALL_WEBHOOK_SECRET", "")
SHIELDWALL_TIMEOUT = float(os.environ.get("MICROBLOG_SHIELDWALL_TIMEOUT", "30"))
# Search and hashtag checks (microblog/safety/suppression.py): how long an answer is kept,
# how many are kept, how long a page waits for Shieldwall, how long to pause after a failure.
SUPPRESSION_CACHE_SECONDS = float(os.environ.get("MICROBLOG_SUPPRESSION_CACHE_SECONDS", "30"))
SUPPRESSION_CACHE_SIZE = int(os.environ.get("MICROBLOG_SUPPRESSION_CACHE_SIZE", "10000"))
SUPPRESSION_TIMEOUT = float(os.environ.get("MICROBLOG_SUPPRESSION_TIMEOUT", "3"))
SUPPRESSION_RETRY_SECONDS = float(os.environ.get("MICROBLOG_SUPPRESSION_RETRY_SECONDS", "5"))
# How long the report flow's step tree is reused before it is fetched again (seconds).
REPORT_FLOW_TTL = float(os.environ.get("MICROBLOG_REPORT_FLOW_TTL", "60"))
# How long a report's status on "Your reports" is reused before Shieldwall is asked again.
REPORT_STATUS_SECONDS = float(os.environ.get("MICROBLOG_REPORT_STATUS_SECONDS", "10"))
# Where links in events point; the microblog's own public address.
PUBLIC_URL = os.environ.get("MICROBLOG_PUBLIC_URL", "http://127.0.0.1:8001").rstrip("/")

MEDIA_DIR = HOME / "media"
MAX_UPLOAD_BYTES = int(os.environ.get("MICROBLOG_MAX_UPLOAD_BYTES", str(25 * 1024 * 1024)))
MAX_UPLOADS_PER_POST = 4
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "microblog.accounts",
    "microblog.posts",
    "microblog.safety",
    "microblog.reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "microblog.urls"
WSGI_APPLICATION = "microblog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "microblog.posts.context.site",
            ],
        },
    }
]

_db_url = os.environ.get("MICROBLOG_DATABASE_URL") or f"sqlite:///{HOME / 'microblog.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

STATIC_URL = "/static/"
STATIC_DIR = BASE_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MICROBLOG_LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
