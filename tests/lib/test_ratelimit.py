"""Rate limits count exactly and keep their window, on the database and on Redis."""

import datetime as dt
import os
import uuid

import pytest
import redis
import time_machine
from django.db import connection

from enlace.lib import ratelimit
from enlace.lib.env import cache_settings
from tests.processes import run_scenario

REDIS_URL = "redis://127.0.0.1:6379/12"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CACHES = pytest.mark.parametrize("cache_url", ["db://", REDIS_URL], ids=["database", "redis"])


def needs(cache_url):
    if cache_url.startswith("redis"):
        try:
            redis.Redis.from_url(cache_url, socket_connect_timeout=2).ping()
        except redis.exceptions.ConnectionError:
            pytest.skip(f"no Redis at {cache_url}")


def use(cache_url, settings):
    needs(cache_url)
    settings.CACHES = {"default": cache_settings(cache_url)}


def someone():
    return f"198.51.100.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:8]}"


@pytest.mark.django_db
@CACHES
def test_a_client_is_held_back_until_its_window_ends_and_free_after(cache_url, settings):
    use(cache_url, settings)
    settings.RATE_LIMIT_ATTEMPTS = 20
    settings.RATE_LIMIT_WINDOW_SECONDS = 900
    who = someone()
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(20):
            assert ratelimit.attempt("login", who).allowed
        assert ratelimit.is_limited("login", who)
        clock.shift(dt.timedelta(seconds=899))  # the database cache's 300 s would be long gone
        assert not ratelimit.attempt("login", who).allowed
        assert ratelimit.is_limited("login", who)
        clock.shift(dt.timedelta(seconds=1))  # 900 s after the first attempt: a new window
        assert not ratelimit.is_limited("login", who)
        assert ratelimit.attempt("login", who).allowed
        assert not ratelimit.is_limited("login", "someone else")


@pytest.mark.django_db
@CACHES
def test_an_attempt_given_back_no_longer_counts_but_only_in_its_own_window(cache_url, settings):
    use(cache_url, settings)
    settings.RATE_LIMIT_ATTEMPTS = 2
    settings.RATE_LIMIT_WINDOW_SECONDS = 60
    who = someone()
    with time_machine.travel(START, tick=False) as clock:
        right = ratelimit.attempt("login", who)
        right.give_back()  # a right password: only failures count
        assert ratelimit.attempt("login", who).allowed
        late = ratelimit.attempt("login", who)
        assert late.allowed and ratelimit.is_limited("login", who)
        clock.shift(dt.timedelta(seconds=60))
        assert ratelimit.record_failure("login", who) == 1  # a new window
        late.give_back()  # counted in the last window: nothing to give back in this one
        assert ratelimit.record_failure("login", who) == 2


@pytest.mark.django_db
def test_the_rows_of_windows_long_over_are_removed(settings, monkeypatch):
    from enlace.lib.models import RateCounter

    settings.RATE_LIMIT_WINDOW_SECONDS = 60
    monkeypatch.setattr(ratelimit._DATABASE, "next_prune", None)  # a process just started
    with time_machine.travel(START, tick=False) as clock:
        for n in range(3):
            ratelimit.record_failure("login", f"203.0.113.{n}")
        clock.shift(dt.timedelta(seconds=120))  # past this process's next clean-up
        ratelimit.record_failure("login", "203.0.113.9")
    assert RateCounter.objects.count() == 1


def scenario_env(database_url, cache_url):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "ENLACE_DATABASE_URL": database_url,
        "ENLACE_CACHE_URL": cache_url,
        "ENLACE_RATE_LIMIT_ATTEMPTS": "20",
        "ENLACE_API_RATE_LIMIT_PER_MINUTE": "600",
    }


@pytest.fixture
def database_url(tmp_path):
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    return f"sqlite:///{tmp_path / 'enlace.sqlite3'}"


@pytest.mark.django_db(transaction=True)
@CACHES
def test_sixty_simultaneous_wrong_codes_have_exactly_twenty_looked_up(database_url, cache_url):
    needs(cache_url)
    address = f"203.0.113.{uuid.uuid4().int % 250}"
    env = scenario_env(database_url, cache_url)
    report = run_scenario("tests.lib.ratelimit_scenario", env, "codes", "60", address, timeout=120)
    assert report["judged"] == 20
    assert report["statuses"] == {"200": 20, "429": 40}


@pytest.mark.django_db(transaction=True)
@CACHES
def test_the_api_accepts_exactly_its_limit_of_simultaneous_requests(database_url, cache_url):
    needs(cache_url)
    key_id = str(uuid.uuid4().int % 10**9)
    env = scenario_env(database_url, cache_url)
    report = run_scenario("tests.lib.ratelimit_scenario", env, "api", "30", "50", key_id, timeout=120)
    assert report == {"accepted": 600, "requests": 1500}
