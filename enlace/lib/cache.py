"""The database cache (ENLACE_CACHE_URL=db://, the default), with counters that hold.

Django's DatabaseCache.incr reads the value and writes it back with set(): increments made in
between by other processes are lost, and the entry gets the cache's default timeout (300 s)
instead of the one it was added with. Here incr() writes the new value only if the stored one is
still the one read (else it reads again), and leaves the expiry alone. And when the table is
full, only expired entries are removed: a counter never goes before its time. (The rate limits
of enlace.lib.ratelimit keep their own table; the API's per-key limit counts in this cache.)
"""

import base64
import pickle

from django.core.cache.backends import db
from django.db import connections, models, router
from django.utils.timezone import now as tz_now


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection = connections[router.db_for_write(self.cache_model_class)]
        quote = connection.ops.quote_name
        table, value_, expires_, key_ = map(quote, (self._table, "value", "expires", "cache_key"))
        read = f"SELECT {value_}, {expires_} FROM {table} WHERE {key_} = %s"  # noqa: S608
        write = f"UPDATE {table} SET {value_} = %s WHERE {key_} = %s AND {value_} = %s"  # noqa: S608
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        while True:
            with connection.cursor() as cursor:
                cursor.execute(read, [key])
                row = cursor.fetchone()
                if row is not None:
                    stored, expires = row
                    for converter in converters:
                        expires = converter(expires, expression, connection)
                if row is None or expires < tz_now():
                    raise ValueError(f"Key '{key}' not found")
                value = pickle.loads(base64.b64decode(connection.ops.process_clob(stored).encode()))  # noqa: S301
                new_value = value + delta
                pickled = pickle.dumps(new_value, self.pickle_protocol)
                cursor.execute(write, [base64.b64encode(pickled).decode("latin1"), key, stored])
                if cursor.rowcount:
                    return new_value

    def _cull(self, db, cursor, now, num):
        connection = connections[db]
        quote = connection.ops.quote_name
        cursor.execute(
            f"DELETE FROM {quote(self._table)} WHERE {quote('expires')} < %s",  # noqa: S608
            [connection.ops.adapt_datetimefield_value(now)],
        )
