"""Settings for the VVSG enquiry platform.

One module, read from the environment. Every setting has a working development
default: SQLite, e-mail to the console, Celery eager in tests only (scripts/run
starts a worker). Production sets DEBUG=false, a real SECRET_KEY,
DB_ENGINE=postgresql, CELERY_BROKER_URL and EMAIL_HOST (read into MAILERS).
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() == "true":
        return True
    if raw.lower() == "false":
        return False
    raise ImproperlyConfigured(f"{name} must be 'true' or 'false', not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def env_secret(name: str, default: str = "") -> str:
    """Docker-style secrets: NAME_FILE points at a file holding the value."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret(
    "SECRET_KEY", "insecure-development-key-do-not-use-in-production"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "municipalities",
    "surveys",
    "responses",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "vvsg_survey.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads request.POST (CSRF): unreadable bodies end here with 400.
    "vvsg_survey.middleware.RequestEncodingMiddleware",
    "vvsg_survey.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "vvsg_survey.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a lockout into the Dutch lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vvsg_survey.urls"
WSGI_APPLICATION = "vvsg_survey.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DB_ENGINE = os.environ.get("DB_ENGINE", "sqlite")
if DB_ENGINE == "postgresql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("DB_NAME", "vvsg_survey"),
            "USER": os.environ.get("DB_USER", "postgres"),
            "PASSWORD": env_secret("DB_PASSWORD"),
            "HOST": os.environ.get("DB_HOST", "127.0.0.1"),
            "PORT": os.environ.get("DB_PORT", "5432"),
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": os.environ.get("DB_TEST_NAME") or None},
        }
    }
elif DB_ENGINE == "sqlite":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("DB_NAME", str(BASE_DIR / "db.sqlite3")),
            # A walk-through writes on every autosave: WAL lets pages read while one
            # writer commits, and IMMEDIATE takes the write lock at BEGIN so two
            # autosaves wait in the busy timeout instead of failing "database is
            # locked" when a read transaction tries to upgrade.
            "OPTIONS": {
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
else:
    raise ImproperlyConfigured(
        f"DB_ENGINE must be 'sqlite' or 'postgresql', not {DB_ENGINE!r}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = os.environ.get("CACHE_URL", "")
if env_bool("HTTPS", False) and not CACHE_URL:
    # Rate limits and login lockouts count in the cache: per-process memory would
    # give every gunicorn worker its own counter (4 workers, 4x the attempts).
    raise ImproperlyConfigured(
        "HTTPS=true (production) needs CACHE_URL=redis://... so that rate limits "
        "are shared by all workers"
    )
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username+address is refused before the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "nl-be"
LANGUAGES = [("nl-be", "Nederlands")]
# Dutch is the source language: gettext markers in templates return their Dutch
# msgid. locale/nl only fills gaps in Django's own nl catalogue (docs/console.md).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: HTTPS=true (production, docker-compose) turns on every transport setting
# that `check --deploy` asks for; plain-HTTP development keeps them off.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Django's own CSP middleware; the templates load no inline scripts or styles.
SECURE_CSP = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# --- Abuse resistance (docs/security.md) -------------------------------------------
# Staff sessions end after this many seconds without a request (sliding window).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 3600)
SESSION_SAVE_EVERY_REQUEST = True
# Number of reverse proxies in front of gunicorn whose X-Forwarded-For is trusted;
# 0 = use the connecting address (X-Forwarded-For is then ignored: anyone can set it).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Staff login: django-axes locks a username+address after this many failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
AXES_CLIENT_IP_CALLABLE = "vvsg_survey.network.client_ip"
AXES_VERBOSE = False
# Two-factor (TOTP) for staff who may export or view results; on by default in
# production, off on the embedded default so the demo login keeps working.
OTP_REQUIRED = env_bool("OTP_REQUIRED", HTTPS)
OTP_TOTP_ISSUER = "VVSG Ledenbevraging"
# Mails per invitation and kind over a whole campaign; a mail over budget is not
# sent but recorded (Delivery status "skipped", see responses/mailing/budgets.py).
MAIL_BUDGETS = {
    "invitation": env_int("MAIL_BUDGET_INVITATION", 5),
    "reminder": env_int("MAIL_BUDGET_REMINDER", 10),
    "forward": env_int("MAIL_BUDGET_FORWARD", 5),
    "confirmation": env_int("MAIL_BUDGET_CONFIRMATION", 10),
    "test": env_int("MAIL_BUDGET_TEST", 20),
}
# Forwards one invitation may send: per hour and over the campaign.
FORWARD_LIMIT_PER_HOUR = env_int("FORWARD_LIMIT_PER_HOUR", 5)
FORWARD_LIMIT_PER_CAMPAIGN = env_int("FORWARD_LIMIT_PER_CAMPAIGN", 20)
FORWARD_MESSAGE_MAX_LENGTH = env_int("FORWARD_MESSAGE_MAX_LENGTH", 500)
# Answer history: one person's saves of one answer within this many seconds share
# one history row; at most ANSWER_HISTORY_LIMIT rows are kept per answer.
ANSWER_REVISION_COALESCE_SECONDS = env_int("ANSWER_REVISION_COALESCE_SECONDS", 600)
ANSWER_HISTORY_LIMIT = env_int("ANSWER_HISTORY_LIMIT", 50)

# --- Celery (console, issue 15) ---------------------------------------------------
# No web request sends mail, in any mode: scripts/run starts a real worker on an
# embedded broker (sqla+sqlite, docs/deployment.md). Tasks run in-process only in a
# test run without a broker; a web process without a broker keeps mails PENDING
# and the staff pages refuse to start a send (MAIL_QUEUE_READY).
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL and TESTING
MAIL_QUEUE_READY = bool(CELERY_BROKER_URL) or CELERY_TASK_ALWAYS_EAGER
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# E-mail (Django 6.1 MAILERS; no EMAIL_* setting is read any more): console by
# default, a file outbox with EMAIL_FILE_PATH, SMTP with EMAIL_HOST. The environment
# variables keep their old names so deployments and docker-compose stay unchanged.
# responses/mailing/smtp.py reads the SMTP OPTIONS for its own commit-point transport.
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": env_int("EMAIL_PORT", 25),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": env_secret("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": env_int("EMAIL_TIMEOUT", 30),
            },
        }
    }
elif os.environ.get("EMAIL_FILE_PATH"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": os.environ["EMAIL_FILE_PATH"]},
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "VVSG Ledenbevraging <radicalisering@vvsg.be>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_USE_TRANSACTIONS = True

# --- Uploaded tables (vvsg_survey.uploads; docs/exports.md) ---
# Every import (responses, contacts, municipalities; admin and commands) refuses a
# file over these limits with a clear message, before it costs memory.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20_000_000)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50_000)
IMPORT_MAX_XLSX_UNCOMPRESSED = env_int("IMPORT_MAX_XLSX_UNCOMPRESSED", 200_000_000)
# --- end uploaded tables ---

# Survey behaviour.
# Failed token lookups allowed per client address per window before unknown links
# answer 429 (a valid link keeps working), and over all addresses together.
TOKEN_RATE_LIMIT = env_int("TOKEN_RATE_LIMIT", 20)
TOKEN_GLOBAL_RATE_LIMIT = env_int("TOKEN_GLOBAL_RATE_LIMIT", 1000)
TOKEN_RATE_WINDOW_SECONDS = env_int("TOKEN_RATE_WINDOW_SECONDS", 600)
RESULTS_MIN_CELL = env_int("RESULTS_MIN_CELL", 5)
RETENTION_DAYS = env_int("RETENTION_DAYS", 730)
# Keyed pseudonyms in pseudonymised exports; empty: derived from SECRET_KEY.
PSEUDONYM_KEY = env_secret("PSEUDONYM_KEY")

# Mailings (responses.mailing.rendering). Empty token key: derived from SECRET_KEY.
INVITATION_TOKEN_KEY = env_secret("INVITATION_TOKEN_KEY")
# Temporary SMTP errors are retried with backoff 60, 120, 240... s, then FAILED.
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 5)
# Rows per send task: claimed with one UPDATE and sent on one SMTP connection.
MAIL_CHUNK_SIZE = env_int("MAIL_CHUNK_SIZE", 100)
MAIL_RETRY_BASE_SECONDS = env_int("MAIL_RETRY_BASE_SECONDS", 60)
# The sweep resends SENDING rows older than this (a dead worker's claim); it must
# stay above CELERY_TASK_TIME_LIMIT so a live send is never taken over.
MAIL_STALE_CLAIM_SECONDS = env_int("MAIL_STALE_CLAIM_SECONDS", 600)
# ...and re-enqueues PENDING rows older than this (a lost task message).
MAIL_REQUEUE_AFTER_SECONDS = env_int("MAIL_REQUEUE_AFTER_SECONDS", 300)

# No invitation token reaches a log: configure() makes every new log record
# (Django, Celery, gunicorn, third-party) pass the redaction filter, and the console
# handler carries the same filter for records built elsewhere.
LOGGING_CONFIG = "vvsg_survey.logging.configure"

# --- Mail headers (issue 19, "clients") ---
# Reply-To of every mail: the team reads replies, not the sender's robot address.
MAIL_REPLY_TO = os.environ.get("MAIL_REPLY_TO", "radicalisering@vvsg.be")
# mailto: part of List-Unsubscribe; empty: MAIL_REPLY_TO.
MAIL_UNSUBSCRIBE_MAILTO = os.environ.get("MAIL_UNSUBSCRIBE_MAILTO", "")
# Right-hand side of Message-ID; empty: the host of SITE_URL.
MAIL_MESSAGE_ID_DOMAIN = os.environ.get("MAIL_MESSAGE_ID_DOMAIN", "")
# Signs List-Unsubscribe links; empty: derived from SECRET_KEY.
UNSUBSCRIBE_KEY = env_secret("UNSUBSCRIBE_KEY")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "vvsg_survey.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint (PDF copy) reports every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
    },
}

# --- Coverage (issue 12, docs/coverage.md) ---
# A respondent VVSG does not know as coordinator may ask to answer for at most this
# many other besturen at once; each claim mails that bestuur's mayor.
COVERAGE_MAX_PENDING_CLAIMS = env_int("COVERAGE_MAX_PENDING_CLAIMS", 10)
