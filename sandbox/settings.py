"""Sandbox settings: one module, every deployment-specific value from the environment.

Safe defaults give the embedded setup (SQLite in ``var/``, console email, tasks run in-process).
Production sets ``DATABASE_URL``, ``SECRET_KEY``, ``DEBUG=0``, ``ALLOWED_HOSTS`` and email.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

django_stubs_ext.monkeypatch()  # lets admin and querysets be subscripted for typing

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SANDBOX_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def prepare_threshold(text: str) -> int | None:
    """``DB_PREPARE_THRESHOLD``: after how many runs on a connection a statement is prepared
    (a whole number), or ``off``."""
    value = text.strip().lower()
    if value == "off":
        return None
    if value.isdigit():
        return int(value)
    raise RuntimeError(
        f"DB_PREPARE_THRESHOLD must be a whole number of runs (for example 5) or off, not {text!r}."
    )


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-the-embedded-default"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_fsm",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "storages",
    # Ours, from the ground up: each app builds only on those above it in this list
    # (import-linter holds the arrows; docs/architecture.md draws them).
    "core",
    "applications",
    "documents",
    "accounts",
    "supervision",
    "sanctions",
    "committees",
    "register",
    "notifications",
    "portal",
    "reviews",
    "api",
    "demo",
]

MIDDLEWARE = [
    # First, so that every answer (errors included) carries the request's id.
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A NUL byte in the path or query string is a 400, never a database error.
    "sandbox.controlchars.NulByteMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's, finding the session's device among those read with the user.
    "accounts.backends.SessionDeviceMiddleware",
    # Before anything reads a body: its declared length against the limits below.
    "sandbox.bodylimits.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Applicants who agreed to an older personal-data notice agree to the current one first.
    "accounts.consent_gate.PrivacyConsentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sandbox" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.workspace",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

# Widgets: <input>, <textarea> and radio/check box options written in Python, the same HTML
# as Django's widget templates, every other widget through them (core/rendering.py).
FORM_RENDERER = "core.rendering.WidgetRenderer"

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects the engine (postgres://user:pass@host:5432/name); the default is an
# embedded SQLite file in WAL mode whose transactions take the write lock when they begin, so
# that concurrent writers queue instead of failing half-way through.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sandbox.sqlite3'}")
# DB_CONN_MAX_AGE > 0 keeps connections between requests; health checks drop dead ones, so a
# database restart heals without restarting the web processes.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A fresh clone has no var/ yet: SQLite creates the file but not its folder.
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Values sent apart from the statement's text, and a statement run five times on a connection
    # prepared there (psycopg's default threshold): PostgreSQL parses and plans it once, not on
    # every run (docs/performance.md, "Prepared statements"). DB_PREPARE_THRESHOLD=off for a
    # pooler that cannot keep a session's prepared statements (PgBouncer in transaction mode).
    # Django's backend, with a transaction's BEGIN sent with its first statement instead of
    # alone (core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.postgresql"
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": prepare_threshold(os.environ.get("DB_PREPARE_THRESHOLD", "5")),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out user never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.SandboxModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Sign-in throttling that cannot lock a person out from elsewhere (accounts/lockout.py): the pair
# of user name and source is locked after AXES_FAILURE_LIMIT failures, a source after
# LOGIN_FAILURES_PER_SOURCE whatever the names, and one name tried from many sources is only
# slowed down (doubling waits up to LOGIN_SLOWDOWN_MAX_SECONDS). Every failure is logged.
AXES_HANDLER = "accounts.lockout.SandboxLockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
LOGIN_FAILURES_PER_SOURCE = int(os.environ.get("LOGIN_FAILURES_PER_SOURCE", "50"))
LOGIN_SLOWDOWN_MAX_SECONDS = int(os.environ.get("LOGIN_SLOWDOWN_MAX_SECONDS", "60"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
OTP_TOTP_ISSUER = "Sandbox"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Where Korean formats differ from Django's (sandbox/formats/ko/formats.py).
FORMAT_MODULE_PATH = ["sandbox.formats"]
USE_I18N = True
USE_TZ = True
# Times are stored in UTC; this is the zone pages fall back to. Each programme carries its own.
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Seoul")

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "sandbox" / "static"]
# In development whitenoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Uploads and letters live outside any public URL and are served by permission-checked views
# (documents/storage.py): on the local disk by default, or, when PRIVATE_S3_BUCKET is set, in an
# S3-compatible object store through django-storages, which web and worker machines share.
PRIVATE_STORAGE_ROOT = Path(os.environ.get("PRIVATE_STORAGE_ROOT", VAR_DIR / "private"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def s3_private_storage(*, bucket: str, endpoint_url: str = "", prefix: str = "") -> dict[str, Any]:
    """STORAGES["private"] for an S3-compatible store: private objects, never overwritten,
    bounded timeouts and retries (an unreachable store fails an upload within seconds)."""
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": os.environ.get("PRIVATE_S3_REGION", "us-east-1"),
            "access_key": os.environ.get("PRIVATE_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("PRIVATE_S3_SECRET_ACCESS_KEY") or None,
            "location": prefix,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "addressing_style": "path" if endpoint_url else None,
            "signature_version": "s3v4",
            "client_config": Config(
                connect_timeout=3, read_timeout=20, retries={"max_attempts": 2, "mode": "standard"}
            ),
        },
    }


if os.environ.get("PRIVATE_S3_BUCKET"):
    STORAGES["private"] = s3_private_storage(
        bucket=os.environ["PRIVATE_S3_BUCKET"],
        endpoint_url=os.environ.get("PRIVATE_S3_ENDPOINT_URL", ""),
        prefix=os.environ.get("PRIVATE_S3_PREFIX", ""),
    )

# --- Request bodies (sandbox/bodylimits.py) ---------------------------------------------------
# Refused by declared length before anything reads them. Anonymous visitors send small forms
# (and a letter to check on /verify/); signed-in people what their pages take: one file of up to
# 20 MB, or ten with a supplement answer. Django's own caps bound the parsed parts.
MIB = 1024 * 1024
REQUEST_BODY_MAX_BYTES = int(os.environ.get("REQUEST_BODY_MAX_BYTES", str(2_621_440)))
REQUEST_BODY_LIMITS_ANONYMOUS = [(r"^/verify/", 10 * MIB)]
REQUEST_BODY_LIMITS = [
    (r"^/apply/\d+/supplement/$", 10 * 20 * MIB + MIB),
    (r"^/apply/", 20 * MIB + MIB),
    (r"^/verify/", 10 * MIB),
]
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES  # form fields without the files
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES  # larger uploads go to a temporary file

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Sandbox <no-reply@sandbox.localhost>")

# Sessions: Django's database store, its per-request read compiled once (core/sessions.py).
SESSION_ENGINE = "core.sessions"

# --- Security -------------------------------------------------------------------------------
# Production (DEBUG off) defaults to HTTPS-only: HSTS, redirect to https, secure cookies. Behind a
# TLS-terminating proxy set BEHIND_TLS_PROXY=1 so Django trusts its X-Forwarded-Proto header.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "sandbox.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check answers load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# --- Content security policy (django-csp 4) ----------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Background tasks (django-tasks) --------------------------------------------------------
# TASKS_BACKEND=immediate runs tasks in-process right after commit (the embedded default);
# TASKS_BACKEND=database queues them for `manage.py db_worker` processes (production).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if TASKS_BACKEND == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

# The deadline sweep (`manage.py run_scheduler`, started by `make run`) runs every this many
# seconds; production may instead run `manage.py run_deadlines` from cron or a systemd timer.
SWEEP_INTERVAL = int(os.environ.get("SANDBOX_SWEEP_INTERVAL", "300"))

# --- API (DRF) --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token class comes first so that a 401 names the Bearer scheme.
        "api.auth.ApiTokenAuthentication",
        # Django's session, refused to staff without a verified second factor (api/auth.py).
        "api.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.ApiTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": os.environ.get("API_THROTTLE_RATE", "600/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "core.drf.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sandbox API",
    "DESCRIPTION": (
        "API for auditors: decision histories, the decisions register, the audit event feed "
        "with CSV/NDJSON exports, letters (PDF, ZIP with SHA-256 manifest), chain verification, "
        "signed checkpoints, the API access log, webhooks, supervision during the term (reports, "
        "incidents, insurance policies, user notices, conditions) and committee meetings. "
        "Nothing about a case can be written through it. Authenticate with "
        "`Authorization: Bearer <token>` (issued by `manage.py issue_api_token`).\n\n"
        "Times are UTC with `Z`. Errors are RFC 9457 problems (`application/problem+json`) "
        "with a stable `code` (see `/api/problems/`). Anyone can recompute the audit chain from "
        "an export with the standalone verifier, [`/api/verifier.py`](/api/verifier.py) "
        "(Python, standard library only): `python3 verifier.py events.csv`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False, "tryItOutEnabled": False},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.finish_schema",
    ],
    "TAGS": [
        {"name": "api", "description": "What this API offers."},
        {"name": "applications", "description": "Cases, and each case's history as of a moment."},
        {"name": "decisions", "description": "The decisions register."},
        {"name": "events", "description": "The audit event feed and its CSV / NDJSON exports."},
        {"name": "letters", "description": "Decision letters: records, PDFs, ZIP archives."},
        {
            "name": "audit",
            "description": "Chain verification, signed checkpoints, the API access log.",
        },
        {"name": "webhooks", "description": "Standard Webhooks subscriptions and deliveries."},
        {
            "name": "supervision",
            "description": "Reports, incidents, insurance, user notices and conditions.",
        },
        {"name": "committees", "description": "Committee meetings, papers and minutes."},
        {"name": "sanctions", "description": "Due process: prior notices, opinions, hearings."},
    ],
    # The public open-data API has its own schema (/api/public/schema/, register/openapi.py).
    "PREPROCESSING_HOOKS": ["register.openapi.without_public_endpoints"],
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "applications.workflow.ApplicationStatus",
        "ConsultationStatusEnum": "applications.models.ConsultationStatus",
        "RequestStatusEnum": "applications.models.RequestStatus",
        "ReportStatusEnum": "supervision.models.ReportStatus",
        "IncidentStatusEnum": "supervision.models.IncidentStatus",
        "FilingStatusEnum": "supervision.models.FilingStatus",
        "ConditionStatusEnum": "supervision.models.ConditionStatus",
    },
}

# --- Audit chain checkpoints (api/checkpoints.py) ---------------------------------------------
# The scheduler signs the chain head this often (seconds) while the chain grows; 0 turns the
# schedule off (auditors can still ask for one).
AUDIT_CHECKPOINT_INTERVAL = int(os.environ.get("AUDIT_CHECKPOINT_INTERVAL", "3600"))
# After the sealing key is replaced: SHA-256 fingerprints (of the DER certificate) of earlier
# sealing certificates whose checkpoints are still to be trusted.
AUDIT_CHECKPOINT_TRUSTED_CERTIFICATES = env_list("AUDIT_CHECKPOINT_TRUSTED_CERTIFICATES", "")

# --- Webhooks (api/webhooks.py, Standard Webhooks) -------------------------------------------
# Seconds to wait before each retry of a failed delivery (the task queue waits; the scheduler's
# tick picks up what is due if a task was lost); after the last, the delivery is failed.
WEBHOOK_RETRY_DELAYS = [
    int(x) for x in env_list("WEBHOOK_RETRY_DELAYS", "5,300,1800,7200,18000,36000")
]
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
# Plain http:// URLs and private, loopback or link-local addresses are refused unless allowed
# (they are for local testing; production receivers are public https endpoints).
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", False)
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", False)

# --- Letters ----------------------------------------------------------------------------------
# Public base URL printed on letters for the verification page.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Letters refuse to print a loopback SITE_URL as their verification address when DEBUG is off
# (a setting mistake that would put 127.0.0.1 on legal documents); a trial run of the production
# profile on one machine says LETTER_LOOPBACK_OK=1 (sandbox/prodserver.py does).
LETTER_LOOPBACK_OK = env_bool("LETTER_LOOPBACK_OK", DEBUG)
# The authority's sealing key and certificate (PKCS#12). Unset: a self-signed demo key is made
# under VAR_DIR/letter-signing/ on first use (fine for demos, never for production).
LETTER_SIGNING_PKCS12 = os.environ.get("LETTER_SIGNING_PKCS12", "")
LETTER_SIGNING_PASSPHRASE = os.environ.get("LETTER_SIGNING_PASSPHRASE", "")
LETTER_DEMO_KEY_DIR = VAR_DIR / "letter-signing"
# Attempts per issuing task, and the pause before each retry (seconds); letters still failing
# are retried by `manage.py issue_pending_letters`.
LETTER_MAX_ATTEMPTS = int(os.environ.get("LETTER_MAX_ATTEMPTS", "3"))
LETTER_RETRY_DELAY = float(os.environ.get("LETTER_RETRY_DELAY", "2"))
# A letter still pending this long has lost its task (e.g. its worker was killed): the
# scheduler issues it (letter issuing is exactly-once, so a slow task racing it is harmless).
LETTER_STUCK_AFTER = int(os.environ.get("LETTER_STUCK_AFTER", "300"))

# --- The public side (register, statistics, open data, the letter check) --------------------
# Requests per source address: the public letter check (every lookup by number and code or by
# file) and the open-data API. PROXY_HOPS: how many trusted reverse proxies append to
# X-Forwarded-For in front of this site (0: the connecting address is the source).
VERIFY_THROTTLE_RATE = os.environ.get("VERIFY_THROTTLE_RATE", "20/min")
PUBLIC_API_THROTTLE_RATE = os.environ.get("PUBLIC_API_THROTTLE_RATE", "120/min")
PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
# Seconds browsers and shared caches may keep public pages and open data (they revalidate
# with ETag / Last-Modified after that).
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "60"))
# The statistics are a snapshot of aggregate queries, refreshed by the scheduler's tick; a page
# finding it older than this many seconds refreshes it itself.
STATISTICS_MAX_AGE = int(os.environ.get("STATISTICS_MAX_AGE", "900"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
