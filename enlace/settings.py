"""Django settings for Enlace. Everything that varies between machines comes from ENLACE_*
environment variables (documented in the README); nothing else should need changing."""

import os
from pathlib import Path
from secrets import token_urlsafe

import dj_database_url
from django.utils.translation import gettext_lazy as _

from enlace.lib.env import (
    cache_settings,
    documents_storage_settings,
    email_provider,
    email_settings,
    env,
    envbool,
    envint,
    progress_cache_settings,
)

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR.parent / "var")))

DEBUG = envbool("DEBUG")
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set ENLACE_SECRET_KEY (or ENLACE_DEBUG=1 for development).")
    SECRET_KEY = "development-only-key-never-use-in-production-" + "x" * 20

# Links inside emails are built from this, never from the request's Host header.
BASE_URL = env("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS").split(",") if h] or (
    ["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
if not ALLOWED_HOSTS:
    from urllib.parse import urlsplit

    ALLOWED_HOSTS = [urlsplit(BASE_URL).hostname or "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "anymail",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "enlace.worker",
    "enlace.accounts",
    "enlace.organizations",
    "enlace.partners",
    "enlace.invitations",
    "enlace.imports",
    "enlace.profiles",
    "enlace.mail",
    "enlace.lib",  # the rate limits' counters
    "enlace.audit",
    "ninja",  # serves the API reference page (Swagger UI) from our own static files
    "enlace.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "enlace.organizations.middleware.CurrentOrganizationMiddleware",
    "enlace.accounts.middleware.PasswordChangeRequiredMiddleware",
    "enlace.accounts.middleware.TwoFactorRequiredMiddleware",
    "enlace.lib.headers.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "enlace.urls"
WSGI_APPLICATION = "enlace.wsgi.application"

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
                "enlace.organizations.context_processors.organization",
                "enlace.accounts.context_processors.places",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'enlace.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Stale figures of the home are counted again after the page is served (enlace.lib.snapshots).
SNAPSHOTS_COUNT_BEHIND = True
CACHES = {
    "default": cache_settings(env("CACHE_URL", "db://")),
    "import_progress": progress_cache_settings(
        env("CACHE_URL", "db://"), DATABASES["default"]["ENGINE"], VAR_DIR
    ),
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # The pages' queries are short, but PostgreSQL's JIT compiles those it prices high (a list's
    # subqueries per row) for longer than they run: the status filter of a million suppliers
    # took 39 ms with it, 3 ms without.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"-c jit=off {options.get('options', '')}".strip()
    # A second connection to the same database, in autocommit, for the progress of imports
    # that the worker applies in one long transaction (enlace.imports.progress).
    DATABASES["progress"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["enlace.imports.progress.ProgressRouter"]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["enlace.accounts.backends.PortalBackend"]
# Usernames are unique per organization, not across them; PortalBackend handles a username
# that several organizations' users share.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Wrong two-factor codes are limited by enlace.lib.ratelimit, as every other guess is: django-otp's
# own back-off per device is switched off so that one rule decides.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
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

LANGUAGE_CODE = "es"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # a chosen language outlives the session
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
# One catalog per area of the product, each with its own owner; Django merges them.
LOCALE_AREAS = ("core", "imports", "requests", "suppliers", "delivery", "api", "profiles")
LOCALE_PATHS = [BASE_DIR / "locale" / area for area in LOCALE_AREAS]
TIME_ZONE = "America/Guayaquil"
USE_I18N = True
FORMAT_MODULE_PATH = ["enlace.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    "documents": documents_storage_settings(str(VAR_DIR / "documents")),
}
MEDIA_ROOT = VAR_DIR / "media"

# Email
vars().update(email_settings(env("EMAIL_URL", "mailbox://")))
# The django-anymail provider of ENLACE_EMAIL_URL=anymail://<provider>: the one whose bounce
# webhook is routed, under /mail/provider/<provider>/tracking/ (enlace.urls).
EMAIL_PROVIDER = email_provider(env("EMAIL_URL", "mailbox://"))
# Provider settings for ENLACE_EMAIL_URL=anymail://<provider>: ENLACE_ANYMAIL_POSTMARK_SERVER_TOKEN=…
# becomes ANYMAIL["POSTMARK_SERVER_TOKEN"] (needs `pip install django-anymail[postmark]`).
ANYMAIL = {
    name.removeprefix("ENLACE_ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ENLACE_ANYMAIL_")
}
# The provider's bounce webhooks must be signed (HTTP basic auth "user:password", set the same at
# the provider): until ENLACE_ANYMAIL_WEBHOOK_SECRET is set, a random secret refuses every call.
ANYMAIL.setdefault("WEBHOOK_SECRET", f"{token_urlsafe(16)}:{token_urlsafe(32)}")
DEFAULT_FROM_EMAIL = env("FROM_EMAIL", "Enlace <no-reply@enlace.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks: the queue lives in the database, so enqueueing is part of the transaction.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Mail delivery: attempts before an email fails, first retry delay in seconds (doubling each
# time), and how long a silent worker keeps its task before another worker takes it back.
MAIL_MAX_ATTEMPTS = envint("MAIL_MAX_ATTEMPTS", 8)
MAIL_RETRY_SECONDS = envint("MAIL_RETRY_SECONDS", 60)
MAIL_LEASE_SECONDS = envint("MAIL_LEASE_SECONDS", 300)

# Security
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The language cookie as the session cookie: no script reads it, and only over HTTPS.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_SSL_REDIRECT:
        # The operator said the proxy in front redirects to HTTPS (ENLACE_SSL_REDIRECT=0).
        SILENCED_SYSTEM_CHECKS += ["security.W008"]
CSRF_TRUSTED_ORIGINS = [BASE_URL] if BASE_URL.startswith("https://") else []

# Rate limits for guessing secrets: attempts per client address per window.
RATE_LIMIT_ATTEMPTS = envint("RATE_LIMIT_ATTEMPTS", 20)
RATE_LIMIT_WINDOW_SECONDS = envint("RATE_LIMIT_WINDOW_SECONDS", 900)
# Bulk imports: what one uploaded file may hold (checked before parsing where possible).
IMPORT_MAX_UPLOAD_BYTES = envint("IMPORT_MAX_UPLOAD_MB", 20) * 1024 * 1024
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_COLUMNS = envint("IMPORT_MAX_COLUMNS", 50)
IMPORT_MAX_CELL_LENGTH = envint("IMPORT_MAX_CELL_LENGTH", 2_000)
# The child process that parses an uploaded spreadsheet: its memory (MB) and time (seconds).
IMPORT_PARSE_MEMORY_MB = envint("IMPORT_PARSE_MEMORY_MB", 1024)
IMPORT_PARSE_SECONDS = envint("IMPORT_PARSE_SECONDS", 120)
# Files estimated to hold more rows than this are processed by the worker, with a progress page.
IMPORT_BACKGROUND_ROWS = envint("IMPORT_BACKGROUND_ROWS", 2_000)
# Past this many rows, a file's row checks run in check processes, this many (default: one per
# core this process may use, at most 4; 0 or 1 checks every row in the importing process).
IMPORT_PARALLEL_ROWS = envint("IMPORT_PARALLEL_ROWS", 10_000)
IMPORT_CHECK_PROCESSES = envint("IMPORT_CHECK_PROCESSES", min(len(os.sched_getaffinity(0)), 4))
# Company profile documents: the largest file a supplier may upload.
DOCUMENTS_MAX_UPLOAD_BYTES = envint("DOCUMENTS_MAX_UPLOAD_MB", 10) * 1024 * 1024
# Requests per minute each API key may make (429 with Retry-After beyond).
API_RATE_LIMIT_PER_MINUTE = envint("API_RATE_LIMIT_PER_MINUTE", 600)
# Webhooks go only to public addresses, so that an admin cannot make Enlace call into its own
# network; a private deployment whose ERP is on the internal network may allow it.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = envbool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
