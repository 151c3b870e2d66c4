"""Rate-limit counters in a real Redis, shared by every process (ENLACE_CACHE_URL=redis://…)."""

import uuid

import pytest
import redis
from django.core.cache import caches

from enlace.lib import ratelimit
from enlace.lib.env import cache_settings

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = {"default": cache_settings(REDIS_URL)}
    yield caches["default"]
    caches["default"].clear()


def test_failures_are_counted_in_redis_until_the_limit(redis_cache, settings):
    settings.RATE_LIMIT_ATTEMPTS = 3
    who = f"203.0.113.{uuid.uuid4().int % 250}"
    for expected in (1, 2, 3):
        assert not ratelimit.is_limited("login", who)
        assert ratelimit.record_failure("login", who) == expected
    assert ratelimit.is_limited("login", who)
    assert not ratelimit.is_limited("login", "198.51.100.7")
