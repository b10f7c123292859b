"""Django settings, built from the validated Config (see config.py); no literals to edit here."""

from __future__ import annotations

from typing import Any

import dj_database_url
import django_stubs_ext

from shieldwall.config import load_config
from shieldwall.core.logs import logging_config
from shieldwall.features import SHIELDWALL_APPS

django_stubs_ext.monkeypatch()  # generic admin and queryset classes at runtime
CONFIG = load_config()

BASE_DIR = CONFIG.home
SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # its API docs page then uses the bundled Swagger UI, not a CDN
    "django_tasks",
    "django_tasks_db",
    *SHIELDWALL_APPS,
]

MIDDLEWARE = [
    "shieldwall.core.middleware.ApiErrorShape",
    "shieldwall.core.middleware.BodySizeLimit",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shieldwall.core.security.PageSecurityHeaders",
]

ROOT_URLCONF = "shieldwall.urls"
WSGI_APPLICATION = "shieldwall.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    db: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["CONN_MAX_AGE"] = 0
        db["OPTIONS"] = {
            # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue instead of failing with "database is locked".
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        # Tests use a file too, so concurrency behaves as in production (WAL, busy timeout)
        # rather than as a shared-cache in-memory database with table locks.
        db["TEST"] = {"NAME": str(CONFIG.home / "test.sqlite3")}
    return db


DATABASES = {"default": _database(CONFIG.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Django's password check behind the sign-in pauses of core.logins.
AUTHENTICATION_BACKENDS = ["shieldwall.core.auth.ThrottledModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = str(CONFIG.home / "static")
(CONFIG.home / "static").mkdir(exist_ok=True)  # WhiteNoise expects it, even when empty
# gunicorn serves the staff pages' CSS and JS through WhiteNoise, straight from the apps'
# static folders (no collectstatic step for `shieldwall serve`).
WHITENOISE_USE_FINDERS = True
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/desk/"

# Uploads above this size are rejected before they are read into memory (see media limits).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Larger uploads spill to a temporary file with no name (in $TMPDIR), which the kernel frees
# however the process ends: a worker killed mid-upload leaves no media on disk.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "shieldwall.core.uploads.UnnamedTemporaryFileUploadHandler",
]
SHIELDWALL = CONFIG

# Sessions are staff sessions (the public report page keeps none): short, ended with the
# browser, and https-only unless SHIELDWALL_SECURE_COOKIES is off (the plain-http demo).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = CONFIG.staff_session_hours * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = CONFIG.secure_cookies
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = CONFIG.secure_cookies
# HSTS is sent on https requests only (gunicorn trusts X-Forwarded-Proto from
# SHIELDWALL_TRUSTED_PROXIES alone, see server.py).
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if CONFIG.secure_cookies else 0
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = logging_config(CONFIG.log_format, CONFIG.log_level)
