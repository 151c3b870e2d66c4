"""Bearer-key authentication and the per-key rate limit."""

import math
import time

from django.conf import settings
from django.core.cache import cache
from ninja.security import HttpBearer

from enlace.api.keys import find_active_key

WINDOW_SECONDS = 60


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def check_rate(api_key_id: int, *, now: float | None = None) -> None:
    """Count one request in the key's current one-minute window; RateLimited past the limit.

    A fixed window in the shared cache: every web process counts into the same number.
    """
    limit = getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 600)
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"api-rl:{api_key_id}:{window}"
    if cache.add(key, 1, WINDOW_SECONDS + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS + 5)
            count = 1
    if count > limit:
        raise RateLimited(max(1, math.ceil((window + 1) * WINDOW_SECONDS - now)))


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`; the request then acts for the key's organization only."""

    def authenticate(self, request, token):
        api_key = find_active_key(token.strip())
        if api_key is None:
            return None
        check_rate(api_key.pk)
        request.api_key = api_key
        request.organization = api_key.organization
        return api_key
