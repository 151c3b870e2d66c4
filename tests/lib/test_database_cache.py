"""The database cache's counters keep their own expiry, and a full table drops only expired ones."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches

from enlace.lib.env import cache_settings

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def cache(settings):
    settings.CACHES = {"default": cache_settings("db://")}
    cache = caches["default"]
    cache.clear()
    return cache


@pytest.mark.django_db
def test_an_increment_keeps_the_entrys_own_expiry(cache):
    with time_machine.travel(START, tick=False) as clock:
        assert cache.add("count", 0, 900)
        assert cache.incr("count") == 1
        assert cache.incr("count", 5) == 6
        clock.shift(dt.timedelta(seconds=899))  # Django's incr() would have set 300 s
        assert cache.get("count") == 6
        clock.shift(dt.timedelta(seconds=2))  # Django's cache: expired once its time has passed
        assert cache.get("count") is None
        with pytest.raises(ValueError):
            cache.incr("count")


@pytest.mark.django_db
def test_a_full_table_drops_only_expired_entries(cache, settings):
    settings.CACHES = {"default": {**cache_settings("db://"), "OPTIONS": {"MAX_ENTRIES": 3}}}
    cache = caches["default"]
    with time_machine.travel(START, tick=False) as clock:
        for n in range(5):
            cache.add(f"live-{n}", n, 900)
        cache.add("short", 1, 10)
        clock.shift(dt.timedelta(seconds=11))
        cache.add("late", 1, 900)
        assert [cache.get(f"live-{n}") for n in range(5)] == [0, 1, 2, 3, 4]
        assert cache.get("late") == 1
