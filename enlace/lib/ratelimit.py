"""Fixed-window counters in the shared cache, to slow down guessing of passwords and secrets."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, identity: str) -> str:
    return "rl:" + scope + ":" + hashlib.sha256(identity.encode()).hexdigest()[:32]


def is_limited(scope: str, identity: str, *, limit: int | None = None) -> bool:
    limit = limit or settings.RATE_LIMIT_ATTEMPTS
    return (cache.get(_key(scope, identity)) or 0) >= limit


def record_failure(scope: str, identity: str) -> int:
    key = _key(scope, identity)
    window = settings.RATE_LIMIT_WINDOW_SECONDS
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def client_address(request) -> str:
    # Behind a proxy, configure it to overwrite REMOTE_ADDR; X-Forwarded-For is client-controlled.
    return request.META.get("REMOTE_ADDR", "")
