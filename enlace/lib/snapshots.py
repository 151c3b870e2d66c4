"""Figures that cost a pass over many rows and may be a few seconds old, such as the home's
funnels: counted at most once per `fresh_for` seconds, and shared by every process through the
cache.

Within `fresh_for` seconds of being counted, readers get the stored figures. After that, the
first reader to take the counting mark counts them again, while the others keep getting the
stored ones; so the 32 admins of a campaign opening the home at once cost one count, not 32. A
reader who finds nothing stored (a new key, or one the cache dropped) counts for itself.

With settings.SNAPSHOTS_COUNT_BEHIND (production), the reader who took the mark gets the stored
figures too, and counts them again in a thread of its process, in the reader's language and
time zone: no page waits for a count that only refreshes figures it already has.
"""

import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone, translation

FRESH_SECONDS = 30
KEPT_SECONDS = 3600


@dataclass(frozen=True)
class Snapshot:
    value: object
    taken_at: datetime  # when the counting began: the figures are those of that moment or later


def snapshot(key: str, count, *, fresh_for: int = FRESH_SECONDS) -> Snapshot:
    """The figures stored under `key`, counted again with `count()` when they are older than
    `fresh_for` seconds."""
    stored = cache.get(key)
    now = timezone.now()
    if stored is not None and (now - stored.taken_at).total_seconds() < fresh_for:
        return stored
    counting = f"{key}:counting"
    if stored is None:
        return _count(key, count, now)
    if not cache.add(counting, True, timeout=fresh_for):
        return stored  # another process is counting them
    if settings.SNAPSHOTS_COUNT_BEHIND:
        _count_behind(key, count, now, counting)
        return stored
    try:
        return _count(key, count, now)
    finally:
        cache.delete(counting)


def _count_behind(key: str, count, now, counting: str) -> None:
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def recount():
        try:
            with translation.override(language), timezone.override(zone):
                _count(key, count, now)
        finally:
            cache.delete(counting)
            connections.close_all()  # this thread's own

    threading.Thread(target=recount, name=f"snapshot {key}", daemon=True).start()


def _count(key: str, count, now) -> Snapshot:
    fresh = Snapshot(count(), now)
    cache.set(key, fresh, KEPT_SECONDS)
    return fresh
