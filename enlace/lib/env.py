"""Read settings from ENLACE_* environment variables, and turn URLs into Django settings."""

import os
from urllib.parse import parse_qs, unquote, urlsplit


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"ENLACE_{name}", default)


def envbool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(env(name, str(default)))


def email_settings(url: str) -> dict:
    """Translate ENLACE_EMAIL_URL into Django's EMAIL_* settings.

    Written by hand: the one library for this (dj-email-url) is unmaintained, and the
    mapping is a dozen lines.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query)
    if scheme == "mailbox":
        return {"EMAIL_BACKEND": "enlace.mail.backends.MailboxBackend"}
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "anymail":
        # anymail://postmark, anymail://amazon_ses ... the provider's own settings come from
        # its documented environment variables (see docs/operations.md).
        return {"EMAIL_BACKEND": f"anymail.backends.{email_provider(url)}.EmailBackend"}
    if scheme not in {"smtp", "smtp+tls", "smtps"}:
        raise ValueError(f"ENLACE_EMAIL_URL: unknown scheme {scheme!r}")
    default_port = {"smtp": 25, "smtp+tls": 587, "smtps": 465}[scheme]
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or default_port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme == "smtp+tls",
        "EMAIL_USE_SSL": scheme == "smtps",
        "EMAIL_TIMEOUT": int(query.get("timeout", ["30"])[0]),
    }


def email_provider(url: str) -> str:
    """The django-anymail provider of ENLACE_EMAIL_URL (`anymail://postmark` -> "postmark"), or
    "" when mail goes another way: only that provider's bounce webhook is routed."""
    parts = urlsplit(url)
    return (parts.hostname or "") if parts.scheme.lower() == "anymail" else ""


def cache_settings(url: str) -> dict:
    """ENLACE_CACHE_URL: `db://` (default, shared by every process), `redis://…`, `locmem://`."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "db":
        # Django's, with an atomic increment that keeps the expiry (enlace.lib.cache).
        return {"BACKEND": "enlace.lib.cache.DatabaseCache", "LOCATION": "enlace_cache"}
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ValueError(f"ENLACE_CACHE_URL: unknown scheme {scheme!r}")


def progress_cache_settings(cache_url: str, database_engine: str, var_dir) -> dict:
    """The cache that holds the live progress of imports run by the worker. It must sit outside
    the database transaction that applies an import (see enlace/imports/progress.py): Redis when
    the cache is Redis, a table written through a second connection on PostgreSQL, files on
    SQLite (one machine by nature)."""
    scheme = urlsplit(cache_url).scheme.lower()
    if scheme in {"redis", "rediss"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": cache_url,
            "KEY_PREFIX": "import-progress",
        }
    if "postgresql" in database_engine:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "enlace_import_progress",
        }
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(var_dir / "import-progress"),
    }


def documents_storage_settings(default_root: str) -> dict:
    """The storage of the companies' files (documents, file answers): a private directory,
    ENLACE_DOCUMENTS_ROOT; or, when ENLACE_DOCUMENTS_S3_BUCKET is set, a private bucket of an
    S3-compatible store through django-storages. No URL serves either: people download a file
    only through the view that checks who they are."""
    bucket = env("DOCUMENTS_S3_BUCKET")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": env("DOCUMENTS_ROOT", default_root)},
        }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": env("DOCUMENTS_S3_PREFIX", "documents"),
            # Unset: AWS itself, and boto3's own credentials (environment, instance role ...).
            "endpoint_url": env("DOCUMENTS_S3_ENDPOINT_URL") or None,
            "region_name": env("DOCUMENTS_S3_REGION") or None,
            "access_key": env("DOCUMENTS_S3_ACCESS_KEY_ID") or None,
            "secret_key": env("DOCUMENTS_S3_SECRET_ACCESS_KEY") or None,
            # Files are stored under random names and never overwritten; the bucket's own
            # access rules apply (it must be private).
            "file_overwrite": False,
            "default_acl": None,
        },
    }
