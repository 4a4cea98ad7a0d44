"""Django settings: every value comes from the environment, read once, here, and typed.

Development needs no configuration at all: without ``DATABASE_URL`` and ``REDIS_URL`` the embedded
PostgreSQL and Redis under ``VAR_DIR`` are used (see ``assistant/embedded.py``). With
``DEBUG=false`` the production settings are required, and a missing or malformed one stops the
process with a message naming the variable. Every variable is listed in the README.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from assistant import embedded
from assistant.llm.config import build_llm_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is honoured (make creates one for development); real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _typed(kind: str, name: str, **kwargs: Any) -> Any:
    """Read one variable with django-environ, naming the variable when its value is malformed."""
    try:
        return getattr(env, kind)(name, **kwargs)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"{name} is malformed ({error}); see README.md") from error


def _amount(name: str, *, default: str) -> Decimal:
    """A money amount: a finite, non-negative decimal. A typo must stop the process rather than
    turn into a plausible figure (a cost of 0) on a manager's page."""
    raw = _typed("str", name, default=default).strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise ImproperlyConfigured(
            f"{name} is malformed (expected a non-negative decimal amount such as 4.00, got "
            f"{raw!r}); see README.md"
        )
    return value


def _required_in_production(kind: str, name: str, development_default: Any, **kwargs: Any) -> Any:
    if DEBUG:
        return _typed(kind, name, default=development_default, **kwargs)
    if name not in env.ENVIRON or env.ENVIRON[name] == "":
        raise ImproperlyConfigured(
            f"{name} must be set when DEBUG is false (production). See README.md, 'Configuration'."
        )
    return _typed(kind, name, **kwargs)


DEBUG: bool = _typed("bool", "DEBUG", default=False)

SECRET_KEY: str = _required_in_production(
    "str", "DJANGO_SECRET_KEY", "dev-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz"
)
ALLOWED_HOSTS: list[str] = _required_in_production(
    "list", "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS: list[str] = _typed("list", "CSRF_TRUSTED_ORIGINS", default=[])
# Where the embedded servers keep data and sockets; a relative path is taken from the checkout.
VAR_DIR: Path = (BASE_DIR / _typed("str", "VAR_DIR", default="var")).resolve()

# ------------------------------------------------------------------------------------------
# Applications
# ------------------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "django_htmx",
    "assistant",
    "assistant.chat",
    "assistant.usage",
    "assistant.knowledge",
    "assistant.actions",
    # The e-mail channel (docs/email.md): IMAP and relay intake, threading, replies by mail.
    "assistant.mail",
    "tickets",
    # Staff sign-in: password reset, two-factor (django-otp's TOTP and static-code devices for
    # the authenticator and the recovery codes) and the sign-in event log (docs/accounts.md).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tickets.accounts",
    # Alerts for agents: notifications, sound and title count on the desk, e-mail when away.
    "tickets.alerts",
    "analytics",
    # The REST API and its OpenAPI schema (docs/api.md): DRF with token and session
    # authentication, the schema by drf-spectacular (Swagger UI and Redoc from the sidecar
    # package's static files, never from a CDN), and outgoing webhooks delivered by Celery.
    "rest_framework",
    # Kept only for the data migration that hashed its clear-text keys (tickets.apitokens).
    "rest_framework.authtoken",
    "tickets.apitokens",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tickets.webhooks",
    # Pseudonymisation before outbound model calls, residency, the outbound-call audit log
    # (docs/privacy.md). Its settings are per inbox, in the admin.
    "assistant.privacy",
    "assistant.compliance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "assistant.security.StaffContentSecurityPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The agent's own language (their profile) over the browser's, for the staff pages.
    "tickets.accounts.language.AgentLanguage",
    "tickets.accounts.gate.TwoFactorGate",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "assistant.urls"
ASGI_APPLICATION = "assistant.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# ------------------------------------------------------------------------------------------
# PostgreSQL (psycopg 3 with its connection pool)
# ------------------------------------------------------------------------------------------

DATABASE_EMBEDDED: bool = not env.str("DATABASE_URL", default="")
if DATABASE_EMBEDDED:
    if not DEBUG:
        _required_in_production("str", "DATABASE_URL", "")
    _database: dict[str, Any] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": embedded.DATABASE_NAME,
        "USER": embedded.DATABASE_USER,
        "HOST": str(embedded.postgres_socket_dir(VAR_DIR)),
    }
else:
    _database = _typed("db_url", "DATABASE_URL")
    if _database.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_URL must be a postgres:// URL (PostgreSQL 15 or newer)."
        )

# Under ASGI every request may run in a different thread, so persistent connections
# (CONN_MAX_AGE) leak; psycopg's pool is the supported way to reuse connections instead.
_database["CONN_MAX_AGE"] = 0
_database.setdefault("OPTIONS", {})["pool"] = {
    "min_size": _typed("int", "DATABASE_POOL_MIN_SIZE", default=1),
    "max_size": _typed("int", "DATABASE_POOL_MAX_SIZE", default=10),
    "timeout": _typed("float", "DATABASE_POOL_TIMEOUT", default=10.0),
}
# Behind PgBouncer (or another pooler) in transaction mode, consecutive transactions of one
# Django connection may reach different server sessions: a named cursor (QuerySet.iterator())
# or a prepared statement (psycopg prepares a query after 5 uses) would not be found there.
if _typed("bool", "DATABASE_TRANSACTION_POOLER", default=False):
    _database["DISABLE_SERVER_SIDE_CURSORS"] = True
    _database["OPTIONS"]["prepare_threshold"] = None
DATABASES = {"default": _database}
# Threads that run the async code's database calls (assistant/db_async.py), each holding one
# pooled connection while a call runs: below the pool's size, which also serves request threads.
DATABASE_THREADS: int = _typed(
    "int", "DATABASE_THREADS", default=max(1, _database["OPTIONS"]["pool"]["max_size"] - 2)
)
if not 1 <= DATABASE_THREADS < _database["OPTIONS"]["pool"]["max_size"]:
    raise ImproperlyConfigured(
        "DATABASE_THREADS must be at least 1 and below DATABASE_POOL_MAX_SIZE."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------------------
# Redis: Celery broker, channel layer, cache
# ------------------------------------------------------------------------------------------

REDIS_EMBEDDED: bool = not env.str("REDIS_URL", default="")
if REDIS_EMBEDDED:
    if not DEBUG:
        _required_in_production("str", "REDIS_URL", "")
    _socket = embedded.redis_socket_path(VAR_DIR)
    REDIS_URL = f"unix://{_socket}"
    CELERY_BROKER_URL = f"redis+socket://{_socket}"
else:
    REDIS_URL = _typed("str", "REDIS_URL")
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
    CELERY_BROKER_URL = (
        REDIS_URL.replace("unix://", "redis+socket://", 1)
        if REDIS_URL.startswith("unix://")
        else REDIS_URL
    )

# The two layers channels-redis offers; CHANNEL_LAYER picks one, and every process of a deployment
# (web and workers) must use the same, since they do not see each other's messages.
# Pub/sub is the default because B3 (docs/benchmarks.md) measured it delivering streamed answers
# to a customer and 1-20 agents several times faster than the core layer, with nothing dropped,
# where the core layer's per-process queues overflowed their capacity under the same load and
# dropped deltas. Our code needs only what both provide: group_add/group_send/group_discard from
# consumers, and send/receive on a channel created in the same event loop (the readiness check).
# Both are at-most-once; the database and the widget's resume fill any gap.
CHANNEL_LAYER_CONFIGS: dict[str, dict[str, Any]] = {
    "core": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "asgi", "capacity": 1000, "expiry": 60},
    },
    "pubsub": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "asgi"},
    },
}
CHANNEL_LAYER: str = _typed("str", "CHANNEL_LAYER", default="pubsub")
if CHANNEL_LAYER not in CHANNEL_LAYER_CONFIGS:
    raise ImproperlyConfigured(f"CHANNEL_LAYER must be one of {', '.join(CHANNEL_LAYER_CONFIGS)}")
CHANNEL_LAYERS = {"default": CHANNEL_LAYER_CONFIGS[CHANNEL_LAYER]}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
    }
}

# ------------------------------------------------------------------------------------------
# Celery (every CELERY_* setting is read by assistant/celery.py)
# ------------------------------------------------------------------------------------------

CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
# Late acknowledgement is opted into per task, only for idempotent ones (see docs/architecture.md).
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = _typed("int", "CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = _typed("int", "CELERY_TASK_TIME_LIMIT", default=180)
# Must exceed the longest task, or Redis hands an unacknowledged task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _typed("int", "CELERY_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The beat schedule lives in code, so every deployment runs the same periodic work.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "check-sla": {"task": "tickets.check_sla", "schedule": 60.0},
    "recover-stalled-replies": {"task": "chat.recover_stalled_replies", "schedule": 60.0},
    "resolve-idle-conversations": {"task": "chat.resolve_idle_conversations", "schedule": 300.0},
    # Each inbox's retention period (assistant/privacy/retention.py); bounded batches per run.
    "apply-retention": {"task": "privacy.apply_retention", "schedule": 3600.0},
    # Deliveries whose countdown task was lost (a broker restart) are queued again.
    "webhooks.requeue_overdue": {"task": "webhooks.requeue_overdue", "schedule": 300.0},
    # The delivery log keeps WEBHOOK_DELIVERY_RETENTION_DAYS days.
    "webhooks.prune_deliveries": {"task": "webhooks.prune_deliveries", "schedule": 3600.0},
    # The analytics rollups (analytics/tasks.py); each run reads only what changed.
    "analytics.refresh_rollups": {"task": "analytics.tasks.refresh_rollups", "schedule": 60.0},
    # Outgoing mail whose countdown task was lost, or whose worker died holding it.
    "mail.send_due": {"task": "mail.send_due", "schedule": 60.0},
    # Inbound mail stored but never processed (a crash between fetch and processing).
    "mail.sweep_stored": {"task": "mail.sweep_stored", "schedule": 60.0},
    # Widget uploads that no message came to carry (ATTACHMENT_ORPHAN_HOURS).
    "delete-orphaned-attachments": {
        "task": "chat.delete_orphaned_attachments",
        "schedule": 3600.0,
    },
}

# ------------------------------------------------------------------------------------------
# Model providers (assistant/llm reads nothing from the environment itself)
# ------------------------------------------------------------------------------------------


def _route(name: str) -> list[str] | None:
    value = _typed("list", name, default=[])
    return value or None


try:
    LLM = build_llm_config(
        dashscope_api_key=env.str("DASHSCOPE_API_KEY", default="") or None,
        qwen_region=env.str("QWEN_REGION", default="intl"),
        qwen_base_url=env.str("QWEN_BASE_URL", default="") or None,
        qwen_reply_model=env.str("QWEN_REPLY_MODEL", default="qwen-plus"),
        qwen_fast_model=env.str("QWEN_FAST_MODEL", default="qwen-flash"),
        qwen_embedding_model=env.str("QWEN_EMBEDDING_MODEL", default="text-embedding-v4"),
        embedding_dimensions=_typed("int", "EMBEDDING_DIMENSIONS", default=1024),
        openai_base_url=env.str("OPENAI_BASE_URL", default="") or None,
        openai_api_key=env.str("OPENAI_API_KEY", default="") or None,
        openai_model=env.str("OPENAI_MODEL", default="") or None,
        openai_embedding_model=env.str("OPENAI_EMBEDDING_MODEL", default="") or None,
        openai_hosting=env.str("OPENAI_HOSTING", default="auto"),
        openai_jurisdiction=env.str("OPENAI_JURISDICTION", default=""),
        openai_extra_body=_typed("json", "OPENAI_EXTRA_BODY", default={}) or None,
        price_file=env.str("LLM_PRICE_FILE", default="") or None,
        routes={
            purpose: route
            for purpose in ("reply", "reply_b", "summary", "classification", "embeddings")
            if (route := _route(f"LLM_ROUTE_{purpose.upper()}")) is not None
        }
        or None,
        connect_timeout=_typed("float", "LLM_CONNECT_TIMEOUT", default=5.0),
        first_token_timeout=_typed("float", "LLM_FIRST_TOKEN_TIMEOUT", default=20.0),
        total_timeout=_typed("float", "LLM_TOTAL_TIMEOUT", default=120.0),
        max_retries=_typed("int", "LLM_MAX_RETRIES", default=1),
        breaker_failures=_typed("int", "LLM_BREAKER_FAILURES", default=3),
        breaker_cooldown=_typed("float", "LLM_BREAKER_COOLDOWN", default=30.0),
    )
except ValueError as error:
    raise ImproperlyConfigured(f"Model configuration: {error}") from error

# ------------------------------------------------------------------------------------------
# Authentication, internationalisation, static files
# ------------------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# The name authenticator apps show beside the account (docs/accounts.md).
OTP_TOTP_ISSUER: str = _typed("str", "OTP_TOTP_ISSUER", default="Assistant desk")
PASSWORD_RESET_TIMEOUT: int = _typed("int", "PASSWORD_RESET_TIMEOUT", default=3600)

# E-mail: password resets and anything else the project sends, through one backend configured
# by EMAIL_URL (django-environ's syntax: smtp+tls://user:password@host:587, smtp+ssl://...,
# consolemail://, filemail://var/mail). Development prints messages on the console.
_email = _typed("email_url", "EMAIL_URL", default="consolemail://")
EMAIL_BACKEND: str = _email["EMAIL_BACKEND"]
EMAIL_HOST: str = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT: int = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER: str = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD: str = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS: bool = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL: bool = bool(_email.get("EMAIL_USE_SSL"))
# filemail://var/mail writes one file per message under the checkout, filemail:///srv/mail under
# an absolute path. Read from the URL as written: django-environ would take "var" for a host.
_email_url: str = _typed("str", "EMAIL_URL", default="consolemail://")
_file_path = _email_url.removeprefix("filemail://") if _email_url.startswith("filemail://") else ""
EMAIL_FILE_PATH: str = str(BASE_DIR / (_file_path or "var/mail"))
EMAIL_TIMEOUT: int = _typed("int", "EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL: str = _typed("str", "DEFAULT_FROM_EMAIL", default="assistant@localhost")
SERVER_EMAIL: str = _typed("str", "SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Replies by e-mail (assistant/mail/sending.py, docs/email.md "Replies and continuity"). A chat
# visitor who left is mailed an agent's reply only after this grace, in case they come back.
MAIL_CONTINUITY_GRACE_SECONDS: int = _typed("int", "MAIL_CONTINUITY_GRACE_SECONDS", default=120)
# Tries per outgoing mail before it is marked failed and the agent is told; back-off doubles.
MAIL_SEND_MAX_ATTEMPTS: int = _typed("int", "MAIL_SEND_MAX_ATTEMPTS", default=6)
MAIL_RETRY_BASE_SECONDS: float = _typed("float", "MAIL_RETRY_BASE_SECONDS", default=60.0)
MAIL_RETRY_MAX_SECONDS: float = _typed("float", "MAIL_RETRY_MAX_SECONDS", default=1800.0)
# How long the link that proves a visitor owns the address they left stays valid.
MAIL_VERIFY_MAX_AGE_SECONDS: int = _typed(
    "int", "MAIL_VERIFY_MAX_AGE_SECONDS", default=7 * 24 * 3600
)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("es", "Español"), ("de", "Deutsch"),
             ("fr", "Français"), ("ja", "日本語")]  # fmt: skip
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = _typed("str", "TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# In development whitenoise serves straight from the apps and static/ (its "finders" mode).
STATIC_ROOT = None if DEBUG else BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise's table has no entry for WAV (the desk's alert sound, static/desk/alert.wav).
WHITENOISE_MIMETYPES = {".wav": "audio/wav"}
# Uploaded files (attachments) live under MEDIA_ROOT by default. They are never served from
# MEDIA_URL: only the signed, expiring attachment views hand them out (docs/attachments.md).
MEDIA_ROOT: Path = (
    BASE_DIR / _typed("str", "MEDIA_ROOT", default=str(VAR_DIR / "media"))
).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # An S3-compatible bucket in production: install django-storages and point this entry's
    # BACKEND and OPTIONS at it (docs/attachments.md); nothing else changes.
    "attachments": {
        "BACKEND": _typed(
            "str",
            "ATTACHMENT_STORAGE_BACKEND",
            default="django.core.files.storage.FileSystemStorage",
        ),
        "OPTIONS": _typed("json", "ATTACHMENT_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# ------------------------------------------------------------------------------------------
# Security (production values; `manage.py check --deploy --fail-level WARNING` is clean)
# ------------------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = _typed("bool", "SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = _typed("int", "SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _typed("bool", "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = _typed("bool", "SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (the usual deployment).
    if _typed("bool", "BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Liveness and readiness probes come from the orchestrator over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# ------------------------------------------------------------------------------------------
# The widget's limits (counted in Redis across all web processes, per minute)
# ------------------------------------------------------------------------------------------

WIDGET_RATE_LIMITS: dict[str, int] = {
    "visitor": _typed("int", "WIDGET_MESSAGES_PER_MINUTE_PER_VISITOR", default=20),
    "ip": _typed("int", "WIDGET_MESSAGES_PER_MINUTE_PER_IP", default=60),
    "inbox": _typed("int", "WIDGET_MESSAGES_PER_MINUTE_PER_INBOX", default=1200),
    "session_ip": _typed("int", "WIDGET_SESSIONS_PER_MINUTE_PER_IP", default=30),
    # Attachment uploads, per visitor and per IP (each file is one upload).
    "upload": _typed("int", "WIDGET_UPLOADS_PER_MINUTE", default=10),
}

# ------------------------------------------------------------------------------------------
# Attachments (docs/attachments.md)
# ------------------------------------------------------------------------------------------

ATTACHMENT_MAX_BYTES: int = _typed("int", "ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENTS_PER_MESSAGE: int = _typed("int", "ATTACHMENTS_PER_MESSAGE", default=5)
# Larger images are refused before they are decoded (decompression bombs): 40 megapixels is
# more than any phone camera takes.
ATTACHMENT_MAX_PIXELS: int = _typed("int", "ATTACHMENT_MAX_PIXELS", default=40_000_000)
# How long a signed attachment URL works, for the customer and for agents.
ATTACHMENT_URL_MAX_AGE_CUSTOMER: int = _typed(
    "int", "ATTACHMENT_URL_MAX_AGE_CUSTOMER", default=3600
)
ATTACHMENT_URL_MAX_AGE_AGENT: int = _typed("int", "ATTACHMENT_URL_MAX_AGE_AGENT", default=8 * 3600)
# A widget upload that no message has carried after this many hours is deleted with its file
# (the tab was closed before sending, or the send was refused); beat runs the sweep hourly.
ATTACHMENT_ORPHAN_HOURS: int = _typed("int", "ATTACHMENT_ORPHAN_HOURS", default=24)

# ------------------------------------------------------------------------------------------
# Logging and the run command
# ------------------------------------------------------------------------------------------

LOG_LEVEL: str = _typed("str", "LOG_LEVEL", default="INFO").upper()
# Secrets never reach a log line or an error report (assistant/secrets_filter.py): every
# handler masks them, and Celery workers log through this configuration instead of their own.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"secrets": {"()": "assistant.secrets_filter.SecretsLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
DEFAULT_EXCEPTION_REPORTER = "assistant.secrets_filter.SafeExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "assistant.secrets_filter.SafeReporterFilter"

WEB_HOST: str = _typed("str", "WEB_HOST", default="127.0.0.1")
WEB_PORT: int = _typed("int", "WEB_PORT", default=8000)
# The desk's public address, for links in e-mails sent outside any request (an agent's alert
# e-mail from a Celery worker): e.g. https://support.example.com.
SITE_URL: str = _typed("str", "SITE_URL", default=f"http://localhost:{WEB_PORT}")
# The ASGI server (assistant/webserver.py, where the B4 numbers behind the choice are).
WEB_SERVER: str = _typed("str", "WEB_SERVER", default="uvicorn")
if WEB_SERVER not in ("daphne", "uvicorn"):
    raise ImproperlyConfigured("WEB_SERVER must be daphne or uvicorn.")

# The largest WebSocket frame the server accepts (the ASGI server enforces it; Daphne before
# 4.2.2 had no limit at all). A 4,000-character message in any script fits with room to spare.
WEBSOCKET_MAX_FRAME_BYTES: int = _typed("int", "WEBSOCKET_MAX_FRAME_BYTES", default=65_536)

# How many characters of a streaming answer are held back while the output checks read ahead
# (assistant/privacy/stream_guard.py), on top of the words that could still become a marker,
# which are always held: the context before a marker ("Confirmed: you get a 50% discount").
# 48 keeps every guarded case of the adversarial corpus off the screen while it streams; 0
# shows each word as soon as it is complete and judged (worst case: 64 of 74 cases clean while
# streaming instead of 71), and the customer sees the first words about eight tokens sooner.
STREAM_GUARD_HOLDBACK: int = _typed("int", "STREAM_GUARD_HOLDBACK", default=48)

# --- API and webhooks (tickets.api, tickets.webhooks; their apps are in INSTALLED_APPS) ---
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a missing login a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tickets.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Safe by default: any DRF view is for desk staff unless it says otherwise.
    "DEFAULT_PERMISSION_CLASSES": [
        "tickets.api.permissions.IsDeskUser",
        "tickets.api.permissions.TokenScopeAllows",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["tickets.api.throttling.ApiClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_token": _typed("str", "API_RATE_PER_TOKEN", default="600/minute"),
        "api_session": _typed("str", "API_RATE_PER_SESSION", default="1200/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "tickets.api.pagination.PagePagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tickets.api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "tickets.api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "tickets.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
for _variable, _rate in (
    ("API_RATE_PER_TOKEN", REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_token"]),
    ("API_RATE_PER_SESSION", REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_session"]),
):
    _count, _, _period = _rate.partition("/")
    if not _count.isdigit() or _period[:1] not in ("s", "m", "h", "d"):
        raise ImproperlyConfigured(f"{_variable} must look like 600/minute (got {_rate!r})")
SPECTACULAR_SETTINGS = {
    "TITLE": "Assistant API",
    "DESCRIPTION": "Tickets, conversations and messages of the desk. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["tickets.api.schema.only_api_v1"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "TicketPriorityEnum": "tickets.models.Ticket.Priority",
        "TicketChannelEnum": "tickets.models.Ticket.Channel",
        "ConversationStateEnum": "assistant.chat.models.Conversation.State",
        "MessageAuthorKindEnum": "assistant.chat.models.Message.Author",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Webhooks (tickets/webhooks): see docs/api.md, "Webhooks".
# Tests only: deliver to loopback/private addresses (the local test receiver), and let the
# assistant's actions (assistant/actions) reach the local demo order API. Never in production.
WEBHOOK_ALLOW_PRIVATE_TARGETS: bool = _typed("bool", "WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
# Actions (assistant/actions, docs/actions.md): the most of an endpoint's answer read, and
# how many action calls one conversation may make in ten minutes.
ACTION_MAX_RESPONSE_BYTES: int = _typed("int", "ACTION_MAX_RESPONSE_BYTES", default=16_384)
ACTION_CALLS_PER_CONVERSATION: int = _typed("int", "ACTION_CALLS_PER_CONVERSATION", default=10)
WEBHOOK_MAX_ATTEMPTS: int = _typed("int", "WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS: float = _typed("float", "WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_SECONDS: float = _typed("float", "WEBHOOK_RETRY_MAX_SECONDS", default=1800.0)
# A retry waits in the broker as a countdown task; Redis hands such a task to a second worker once
# the visibility timeout passes, so every back-off must be shorter than it.
_visibility_timeout = CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
if _visibility_timeout <= WEBHOOK_RETRY_MAX_SECONDS:
    raise ImproperlyConfigured(
        f"WEBHOOK_RETRY_MAX_SECONDS must be shorter than {_visibility_timeout} s, the Celery "
        "visibility timeout"
    )
if _visibility_timeout <= max(MAIL_RETRY_MAX_SECONDS, MAIL_CONTINUITY_GRACE_SECONDS):
    raise ImproperlyConfigured(
        "MAIL_RETRY_MAX_SECONDS and MAIL_CONTINUITY_GRACE_SECONDS must be shorter than "
        f"{_visibility_timeout} s, the Celery visibility timeout"
    )
WEBHOOK_TIMEOUT_SECONDS: float = _typed("float", "WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_DELIVERY_RETENTION_DAYS: int = _typed("int", "WEBHOOK_DELIVERY_RETENTION_DAYS", default=30)
if WEBHOOK_DELIVERY_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("WEBHOOK_DELIVERY_RETENTION_DAYS must be at least 1")

# --- analytics ---
# Manager analytics (analytics/, docs/analytics.md). Costs are shown in one currency: model calls
# priced in another currency are counted but left out of cost figures (no exchange rates here).
ANALYTICS_CURRENCY: str = _typed("str", "ANALYTICS_CURRENCY", default="USD").upper()
# What one conversation handled by a person costs (salary share, tools), for the comparison with
# the assistant's cost per automated resolution. A decimal amount in ANALYTICS_CURRENCY.
ANALYTICS_HUMAN_COST_PER_CONVERSATION: Decimal = _amount(
    "ANALYTICS_HUMAN_COST_PER_CONVERSATION", default="4.00"
)
# A resolved conversation counts as reopened when its contact starts another conversation, or its
# ticket is reopened, within this many hours of the resolution.
ANALYTICS_REOPEN_WINDOW_HOURS: int = _typed("int", "ANALYTICS_REOPEN_WINDOW_HOURS", default=72)
# Each rollup run re-reads changes this far behind its watermark, so rows written by a transaction
# that committed after the previous run had started are never missed. Longer than any transaction.
ANALYTICS_ROLLUP_LAG_SECONDS: int = _typed("int", "ANALYTICS_ROLLUP_LAG_SECONDS", default=600)

# --- inbound e-mail ---
# Inbound mail (assistant/mail, docs/email.md "Guarantees"). A message larger than this is
# refused whole: the relay answers 413, the fetcher keeps a refused record and moves on.
MAIL_MAX_MESSAGE_BYTES: int = _typed("int", "MAIL_MAX_MESSAGE_BYTES", default=25 * 1024 * 1024)
# How often the fetcher asks an IMAP server without IDLE for new mail, and how long it waits
# before reconnecting after an error (doubling up to ten times this).
MAIL_POLL_SECONDS: float = _typed("float", "MAIL_POLL_SECONDS", default=60.0)
MAIL_RECONNECT_SECONDS: float = _typed("float", "MAIL_RECONNECT_SECONDS", default=5.0)
# Tries before a message that keeps failing to process is refused as "processing_failed".
MAIL_PROCESS_MAX_ATTEMPTS: int = _typed("int", "MAIL_PROCESS_MAX_ATTEMPTS", default=5)
# Relay posts per minute per address (a relay retries; a flood is refused with 429).
MAIL_RELAY_PER_MINUTE: int = _typed("int", "MAIL_RELAY_PER_MINUTE", default=120)
