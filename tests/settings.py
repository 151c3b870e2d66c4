"""Settings for the test suite: production settings, with a key so they load."""

import os

os.environ.setdefault("ENLACE_SECRET_KEY", "tests-only-secret-key-" + "k" * 40)
os.environ.setdefault("ENLACE_DATABASE_URL", "sqlite:///:memory:")

from enlace.settings import *  # noqa: E402, F403

SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP
# No collectstatic before tests: serve files straight from the apps, unhashed.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the webhook tests' receiver listens on 127.0.0.1
# The bounce tests call Postmark's webhook: routed as with ENLACE_EMAIL_URL=anymail://postmark
# (each test still sends through the test mail backend, see tests/conftest.py).
EMAIL_PROVIDER = "postmark"

# Counted in the request: a test reads the figures right after changing them, and an in-memory
# SQLite database is not shared with other threads (tests/lib/test_snapshots.py covers both).
SNAPSHOTS_COUNT_BEHIND = False
