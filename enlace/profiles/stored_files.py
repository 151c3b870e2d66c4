"""Storing a checked file of a profile (a document, a file answer) in the "documents" storage."""

import secrets
from contextlib import contextmanager

from enlace.profiles.models import documents_storage


@contextmanager
def stored_upload(upload):
    """Store a checked file under a random name, yielding the name; delete it again if the
    block fails."""
    storage = documents_storage()
    name = storage.save(secrets.token_urlsafe(32), upload)
    try:
        yield name
    except BaseException:
        storage.delete(name)
        raise
