"""Fixed-window counters shared by every process, to slow down guessing of passwords and secrets.

A window opens with the first attempt of a client (per scope) and lasts RATE_LIMIT_WINDOW_SECONDS;
in it at most RATE_LIMIT_ATTEMPTS attempts are judged. The count is exact under any concurrency:
an attempt is counted, in one atomic step, before it is judged (`attempt`), and only those
counted within the limit are judged; one that turns out right (or is never judged) is given
back. So sixty simultaneous wrong guesses against a limit of twenty have twenty judged.

Where the counters live: in Redis when the cache is Redis (one script, atomic on the server);
else in the database (`RateCounter`, one INSERT … ON CONFLICT DO UPDATE … RETURNING statement).
The database cache would not do: its increment is a read then a write, and it sets the entry's
expiry anew (to its default of 300 s) on every write. The window is measured by this process's
clock, its start stored with the count; Redis's own expiry only clears old keys away.
"""

import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.utils import timezone

from enlace.lib.models import RateCounter


def _key(scope: str, identity: str) -> str:
    return "rl:" + scope + ":" + hashlib.sha256(identity.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Attempt:
    """One attempt, counted: `allowed` if it was within the limit, so that it may be judged."""

    key: str
    window: object  # the start of the window it was counted in, as the store holds it
    count: int
    allowed: bool

    def give_back(self) -> None:
        """The attempt was right, or never judged: it no longer counts (in its window only)."""
        _store().give_back(self.key, self.window)


def attempt(scope: str, identity: str, *, limit: int | None = None) -> Attempt:
    """Count one attempt of `identity` before judging it; judge it only if `.allowed`."""
    limit = limit or settings.RATE_LIMIT_ATTEMPTS
    key = _key(scope, identity)
    count, window = _store().add(key, 1)
    return Attempt(key=key, window=window, count=count, allowed=count <= limit)


def record_failure(scope: str, identity: str) -> int:
    """Count one failed attempt that was not counted beforehand; the count in this window."""
    count, _ = _store().add(_key(scope, identity), 1)
    return count


def is_limited(scope: str, identity: str, *, limit: int | None = None) -> bool:
    """Whether the limit is reached already (a look, which counts nothing)."""
    limit = limit or settings.RATE_LIMIT_ATTEMPTS
    return _store().count(_key(scope, identity)) >= limit


def client_address(request) -> str:
    # Behind a proxy, configure it to overwrite REMOTE_ADDR; X-Forwarded-For is client-controlled.
    return request.META.get("REMOTE_ADDR", "")


def _window() -> int:
    return settings.RATE_LIMIT_WINDOW_SECONDS


def _store():
    return _REDIS if isinstance(caches["default"], RedisCache) else _DATABASE


class _Database:
    def __init__(self):
        self.next_prune = None  # when this process next removes the rows of windows long over

    def add(self, key: str, delta: int):
        """Count `delta` in the key's current window, opening a new one if the last is over:
        (the count, the window's start as stored)."""
        now = timezone.now()
        opened = connection.ops.adapt_datetimefield_value(now)
        over = connection.ops.adapt_datetimefield_value(now - timedelta(seconds=_window()))
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT, [key, opened, delta, over, over])
            count, window = cursor.fetchone()
            # Every client that ever failed leaves a row: those whose window is over go, at
            # most once a window per process.
            if self.next_prune is None or now >= self.next_prune:
                self.next_prune = now + timedelta(seconds=_window())
                cursor.execute(_PRUNE, [over])
        return count, window

    def give_back(self, key: str, window) -> None:
        with connection.cursor() as cursor:
            cursor.execute(_GIVE_BACK_ROW, [key, window])

    def count(self, key: str) -> int:
        over = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(seconds=_window()))
        with connection.cursor() as cursor:
            cursor.execute(_COUNT_ROW, [key, over])
            row = cursor.fetchone()
        return row[0] if row else 0


def _names(*fields):
    quote = connection.ops.quote_name
    columns = [RateCounter._meta.get_field(field).column for field in fields]
    return [quote(RateCounter._meta.db_table), *map(quote, columns)]


_TABLE, _KEY, _START, _COUNT = _names("key", "window_start", "count")
# One statement, atomic on PostgreSQL and SQLite alike. Every SET reads the row as it was: the
# window is over if it started at or before the time given (now less the window's length).
_UPSERT = (
    f"INSERT INTO {_TABLE} ({_KEY}, {_START}, {_COUNT}) VALUES (%s, %s, %s) "  # noqa: S608
    f"ON CONFLICT ({_KEY}) DO UPDATE SET "
    f"{_COUNT} = CASE WHEN {_TABLE}.{_START} <= %s THEN excluded.{_COUNT} "
    f"ELSE {_TABLE}.{_COUNT} + excluded.{_COUNT} END, "
    f"{_START} = CASE WHEN {_TABLE}.{_START} <= %s THEN excluded.{_START} ELSE {_TABLE}.{_START} END "
    f"RETURNING {_COUNT}, {_START}"
)
_GIVE_BACK_ROW = (
    f"UPDATE {_TABLE} SET {_COUNT} = {_COUNT} - 1 "  # noqa: S608
    f"WHERE {_KEY} = %s AND {_START} = %s AND {_COUNT} > 0"
)
_PRUNE = f"DELETE FROM {_TABLE} WHERE {_START} <= %s"  # noqa: S608
_COUNT_ROW = f"SELECT {_COUNT} FROM {_TABLE} WHERE {_KEY} = %s AND {_START} > %s"  # noqa: S608


# KEYS[1]: a hash of the window's start `s` (seconds, as this process's clock read them) and its
# count `n`. ARGV: now, the window's length, the amount to add.
_ADD = """
local start = redis.call('HGET', KEYS[1], 's')
if not start or tonumber(start) <= tonumber(ARGV[1]) - tonumber(ARGV[2]) then
  start = ARGV[1]
  redis.call('HSET', KEYS[1], 's', start, 'n', 0)
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 60)
end
return {redis.call('HINCRBY', KEYS[1], 'n', ARGV[3]), start}
"""
# ARGV: the window's start an attempt was counted in.
_GIVE_BACK = """
if redis.call('HGET', KEYS[1], 's') == ARGV[1] and tonumber(redis.call('HGET', KEYS[1], 'n')) > 0 then
  redis.call('HINCRBY', KEYS[1], 'n', -1)
end
"""


class _Redis:
    def add(self, key: str, delta: int):
        count, start = self._run(_ADD, key, repr(time.time()), _window(), delta)
        return int(count), start.decode()

    def give_back(self, key: str, window) -> None:
        self._run(_GIVE_BACK, key, window)

    def count(self, key: str) -> int:
        client, name = self._client(key)
        start, count = client.hmget(name, ["s", "n"])
        if start is None or float(start) <= time.time() - _window():
            return 0
        return int(count)

    def _run(self, script, key, *args):
        client, name = self._client(key)
        return client.eval(script, 1, name, *args)

    def _client(self, key):
        cache = caches["default"]
        name = cache.make_and_validate_key(key)
        # Django's Redis cache has no public way to its client; these scripts need one.
        return cache._cache.get_client(name, write=True), name


_DATABASE = _Database()
_REDIS = _Redis()
