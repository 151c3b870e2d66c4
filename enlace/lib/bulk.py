"""Fast inserts of many rows, for the importers' apply step.

`QuerySet.bulk_create` sends each row's values through the SQL compiler one value at a time,
which on an import's thousands of rows costs several times the database's own work
(docs/performance.md has the figures). `insert_many` builds the statement once
per chunk and prepares each column's values with a function chosen once per column, so the
time goes to the database. On PostgreSQL it writes with COPY, after drawing the new ids from
the table's sequence; with `ignore_conflicts` (which COPY cannot do) it sends one array per
column (INSERT … SELECT FROM unnest, as Django 5.2's bulk_create does there). It keeps
bulk_create's contract where the importers rely on it: auto_now fields are set, and every
object gets its primary key back (RETURNING on SQLite 3.35+, the drawn ids on PostgreSQL). It
sends no signals, as bulk_create sends none. Deliberately left out, since no importer needs
them: fields with a pre_save of their own other than auto_now (files), and lists that mix
objects with and without a primary key.

`insert_rows` writes plain dicts through the same statement, for the writes of a row per line
of a file, where building a model instance per row costs more than the INSERT.

`copies_in_background` lets the PostgreSQL server write one COPY while Python prepares the
next rows (see its docstring).
"""

import contextlib
import contextvars
import logging
import operator
import queue
import sqlite3
import sys
import threading
from collections import deque

from django.db import DatabaseError, connections, router, transaction
from django.db.models import fields as model_fields
from django.utils import timezone

WRITE_STATS_AT = 5000  # rows written before the planner's statistics are checked (FreshStatistics)
IDS_AHEAD = 100_000  # ids drawn from a sequence at a time while copies run in the background
COPIES_AHEAD = 6  # COPYs queued for the background thread before the caller waits
# While a COPY runs in the background, how soon its thread gets Python's lock back after each
# wait for the server: at Python's default (5 ms) the server would sit idle for much of each COPY.
COPY_SWITCH_INTERVAL = 0.0002

log = logging.getLogger(__name__)

# Values of these fields reach the database driver as they are.
PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def insert_many(objs, *, batch_size=1000, ignore_conflicts=False) -> list:
    """INSERT the unsaved model instances `objs` (all of one model); sets and returns their pks.

    With `ignore_conflicts`, rows that would break a unique constraint are skipped (ON CONFLICT
    DO NOTHING) and no pk is set: the caller reads back what it needs.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    opts = model._meta
    alias = router.db_for_write(model)
    with_pk = {getattr(obj, opts.pk.attname) is not None for obj in objs}
    assert len(with_pk) == 1, "either every object has its primary key set or none has"
    fields = [f for f in opts.concrete_fields if not f.primary_key or with_pk == {True}]
    _stamp(objs, fields, adding=True)
    values_of = operator.attrgetter(*(f.attname for f in fields))
    if len(fields) == 1:
        values_of = _one_value(fields[0].attname)
    pks = _insert(model, fields, [values_of(obj) for obj in objs], batch_size, ignore_conflicts)
    if ignore_conflicts:
        return objs
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
    return objs


def insert_rows(model, rows, *, batch_size=1000) -> list:
    """INSERT `rows` into `model`'s table without building model instances; returns their pks.

    For the importers' largest writes, where a model instance per row (its __init__ and its
    descriptors) costs more than the insert itself. `rows` are dicts with the same keys, the
    fields' attnames ("partner_id" for a foreign key). A field they leave out takes its default
    and an auto_now or auto_now_add field the current time, as a new model instance would.
    """
    rows = list(rows)
    if not rows:
        return []
    opts = model._meta
    keys = list(rows[0])
    given = [opts.get_field(key) for key in keys]
    assert [f.attname for f in given] == keys, "rows name fields by attname (partner_id)"
    assert not any(_auto_now(f, adding=True) for f in given), "insert_rows sets the auto_now times"
    rest = [f for f in opts.concrete_fields if f not in given and not f.primary_key]
    now = timezone.now()
    fixed = tuple(now if _auto_now(f, adding=True) else f.get_default() for f in rest)
    # A callable default (a uuid, say) differs from row to row: called for each.
    varying = [(i, f) for i, f in enumerate(rest) if callable(f.default) and not _auto_now(f, adding=True)]
    values_of = operator.itemgetter(*keys) if len(keys) > 1 else _one_value(keys[0], item=True)
    values = []
    for row in rows:
        if len(row) != len(keys):
            raise ValueError("every row must have the same keys")
        tail = fixed
        if varying:
            tail = list(fixed)
            for i, field in varying:
                tail[i] = field.get_default()
        values.append((*values_of(row), *tail))
    return _insert(model, [*given, *rest], values, batch_size, ignore_conflicts=False)


def _auto_now(field, *, adding) -> bool:
    return isinstance(field, model_fields.DateField) and (field.auto_now or (adding and field.auto_now_add))


def _one_value(name, *, item=False):
    if item:
        return lambda row: (row[name],)
    return lambda obj: (getattr(obj, name),)


def _insert(model, fields, rows, batch_size, ignore_conflicts) -> list:
    """INSERT `rows` (tuples of the `fields`' Python values) in chunks; their pks, in order
    (none with `ignore_conflicts`)."""
    opts = model._meta
    connection = connections[router.db_for_write(model)]
    special = _special_preparers(fields, connection)
    if special:
        rows = [_prepared(row, special) for row in rows]
    if connection.vendor != "postgresql":
        return _insert_values(connection, opts, fields, rows, batch_size, ignore_conflicts)
    if ignore_conflicts:
        return _insert_arrays(connection, opts, fields, rows, batch_size)
    return _copy(connection, opts, fields, rows)


def _insert_values(connection, opts, fields, rows, batch_size, ignore_conflicts) -> list:
    """SQLite: multi-row INSERT … VALUES … RETURNING, as many rows a statement as it binds."""
    quote = connection.ops.quote_name
    # Table and column names come from the model's metadata, quoted; values are parameters.
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        quote(opts.db_table), ", ".join(quote(f.column) for f in fields)
    )
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else f" RETURNING {quote(opts.pk.column)}"
    placeholders = "(" + ", ".join(["?"] * len(fields)) + ")"
    size = min(batch_size, _sqlite_max_parameters(connection) // len(fields))
    pks = []
    # The sqlite3 cursor itself, with its own "?" placeholders: Django's wrapper rewrites each
    # statement's "%s" with a regular expression, slow on statements of thousands of values. Its
    # errors still become Django's.
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                sql = head + ", ".join([placeholders] * len(chunk)) + tail
                cursor.execute(sql, [value for row in chunk for value in row])
                if not ignore_conflicts:
                    pks.extend(pk for (pk,) in cursor.fetchall())
        finally:
            cursor.close()
    return pks


def _insert_arrays(connection, opts, fields, rows, batch_size) -> list:
    """PostgreSQL, skipping rows that conflict (which COPY cannot): INSERT … SELECT FROM unnest
    with one array per column, since psycopg re-parses a statement of thousands of placeholders
    on every execution (too long for its statement cache), which costs more than the insert."""
    quote = connection.ops.quote_name
    # Cast to the type without its length: a cast to varchar(n) would cut a longer value short
    # where an INSERT must refuse it (Django's own unnest insert does the same).
    arrays = ", ".join(f"%s::{f.db_type(connection).split('(')[0]}[]" for f in fields)
    # Table, column and type names come from the model's metadata; values are parameters.
    sql = "INSERT INTO {} ({}) SELECT * FROM unnest({}) ON CONFLICT DO NOTHING".format(  # noqa: S608
        quote(opts.db_table), ", ".join(quote(f.column) for f in fields), arrays
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            cursor.execute(sql, [list(column) for column in zip(*chunk, strict=True)])
    return []


def _copy(connection, opts, fields, rows) -> list:
    """PostgreSQL: the rows by COPY, their ids drawn from the table's sequence first (COPY
    returns nothing). psycopg formats COPY data in C, where it formats the arrays of an
    INSERT … unnest in Python, value by value, which costs more than the database's work. The
    values must be of their column's Python type (an int for an integer, an aware datetime),
    as the fields' preparation makes them."""
    quote = connection.ops.quote_name
    pk = opts.pk
    pipe = _pipe_of(connection)
    if pk not in fields:
        pks = pipe.new_ids(opts, len(rows)) if pipe else _draw_ids(connection, opts, len(rows))
        fields, rows = [pk, *fields], [(new_id, *row) for new_id, row in zip(pks, rows, strict=True)]
    else:
        position = fields.index(pk)
        pks = [row[position] for row in rows]
    # Table and column names come from the model's metadata, quoted; values are data.
    # Binary: PostgreSQL then parses no text (times, numbers), psycopg formats none.
    sql = "COPY {} ({}) FROM STDIN (FORMAT BINARY)".format(  # noqa: S608
        quote(opts.db_table), ", ".join(quote(f.column) for f in fields)
    )
    # The column types without their length (varchar(150) -> varchar): the database still
    # checks every value's length, as for an INSERT.
    types = [f.db_type(connection).split("(")[0] for f in fields]
    if pipe:
        pipe.submit(sql, types, rows)
        return pks
    # The psycopg cursor itself, Django's wrapper having no COPY; its errors still become
    # Django's (IntegrityError, DataError ...), which the importers catch.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        _write_copy(cursor.cursor, sql, types, rows)
    return pks


def _write_copy(cursor, sql, types, rows) -> None:
    with cursor.copy(sql) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _sequence_of(connection, opts) -> str:
    table = connection.ops.quote_name(opts.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, opts.pk.column])
        return cursor.fetchone()[0]


def _draw_ids(connection, opts, count, sequence=None) -> list:
    """`count` new ids from the table's sequence, in increasing order."""
    sequence = sequence or _sequence_of(connection, opts)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s) ORDER BY 1", [sequence, count]
        )
        return [new_id for (new_id,) in cursor.fetchall()]


_PIPES = contextvars.ContextVar("copy_pipes", default=None)


def _pipe_of(connection):
    pipe = _PIPES.get()
    return pipe if pipe is not None and pipe.connection is connection else None


@contextlib.contextmanager
def copies_in_background(*, rows: int, using: str = "default"):
    """Within this block, PostgreSQL writes each COPY of `insert_rows` and `insert_many` while
    the caller prepares the next rows: the COPYs are queued (up to COPIES_AHEAD) for a thread of
    their own, which writes them one at a time and in order (the driver waits for the server
    there, without Python's lock). Any other query of the connection first waits for every
    queued COPY, and a COPY's error is raised there, at the next COPY or at the end of the block,
    as Django's. `rows` is how many rows each table is expected to get:
    ids are drawn from the sequences up to IDS_AHEAD at a time, so that drawing them seldom
    waits for a COPY.

    Foreign keys are checked at the end of each COPY instead of at commit (SET CONSTRAINTS ALL
    IMMEDIATE, for the block only), so that those checks too run while Python works. The block
    must run inside a transaction that outlives it (a commit does not wait for queued COPYs).
    Python's thread switch interval is shortened while it runs, for the whole process: the
    importers run it in the worker or in `enlace import`, not among a web server's threads.
    Elsewhere (SQLite) the block changes nothing.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or _pipe_of(connection) is not None:
        yield
        return
    assert connection.in_atomic_block, "copies_in_background runs inside transaction.atomic()"
    pipe = _CopyPipe(connection, rows)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    token = _PIPES.set(pipe)
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(COPY_SWITCH_INTERVAL)
    try:
        with connection.execute_wrapper(pipe.before_query):
            try:
                yield
            finally:
                pipe.wait(raise_error=False)
                pipe.close()
        pipe.raise_error()
        with connection.cursor() as cursor:
            # Back to how Django declares its foreign keys (DEFERRABLE INITIALLY DEFERRED).
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    finally:
        sys.setswitchinterval(switch_interval)
        _PIPES.reset(token)


class _CopyPipe:
    """The COPYs queued for one connection, the thread that writes them, and the ids drawn
    ahead."""

    def __init__(self, connection, rows):
        self.connection = connection
        self.expected = rows
        self.jobs = queue.Queue(maxsize=COPIES_AHEAD)
        self.thread = None
        self.error = None
        self.ids = {}  # table -> [sequence, deque of ids drawn and not yet used, ids drawn so far]

    def before_query(self, execute, sql, params, many, context):
        self.wait()
        return execute(sql, params, many, context)

    def new_ids(self, opts, count) -> list:
        entry = self.ids.get(opts.db_table)
        if entry is None:
            entry = self.ids[opts.db_table] = [_sequence_of(self.connection, opts), deque(), 0]
        sequence, ready, drawn = entry
        if len(ready) < count:
            more = max(count - len(ready), min(IDS_AHEAD, self.expected - drawn))
            ready.extend(_draw_ids(self.connection, opts, more, sequence))
            entry[2] += more
        # Taken from the front of a deque: slicing a list would copy every id left, each chunk.
        return [ready.popleft() for _ in range(count)]

    def submit(self, sql, types, rows) -> None:
        """Queue a COPY (waiting while COPIES_AHEAD are queued); a queued COPY's error is raised."""
        self.raise_error()
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
        self.jobs.put((sql, types, rows))

    def _run(self) -> None:
        raw = self.connection.connection  # psycopg's connection: safe to share between threads
        while (job := self.jobs.get()) is not None:
            try:
                # After an error the transaction is aborted: the rest is dropped.
                if self.error is None:
                    with raw.cursor() as cursor:
                        _write_copy(cursor, *job)
            except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
                self.error = error
            finally:
                self.jobs.task_done()
        self.jobs.task_done()

    def wait(self, *, raise_error=True) -> None:
        """Until every queued COPY is written."""
        self.jobs.join()
        if raise_error:
            self.raise_error()

    def close(self) -> None:
        if self.thread is not None:
            self.jobs.put(None)
            self.thread.join()
            self.thread = None

    def raise_error(self) -> None:
        error, self.error = self.error, None
        if error is not None:
            with self.connection.wrap_database_errors:
                raise error


def _sqlite_max_parameters(connection) -> int:
    """How many values one statement may bind. Django assumes SQLite's old default of 999 (39
    users per INSERT); builds since 3.32 take 32,766, and asking costs nothing."""
    connection.ensure_connection()
    return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def _special_preparers(fields, connection) -> list:
    """(position, preparation) of the fields whose values need one; the rest go as they are."""
    preparers = [_preparer(field, connection) for field in fields]
    return [(i, prepare) for i, prepare in enumerate(preparers) if prepare is not _as_is]


def _prepared(row, special) -> list:
    """The row's values with those that need it (dates, JSON) passed through their field's
    preparation."""
    row = list(row)
    for i, prepare in special:
        row[i] = prepare(row[i])
    return row


def update_many(objs, fields, *, batch_size=1000) -> None:
    """UPDATE `fields` (names) of saved model instances `objs`, one parameterized statement
    executed for all of them; auto_now fields among `fields` are set to now."""
    objs = list(objs)
    if not objs:
        return
    model = type(objs[0])
    opts = model._meta
    connection = connections[router.db_for_write(model)]
    model_fields_ = [opts.get_field(name) for name in fields]
    _stamp(objs, model_fields_, adding=False)
    get = operator.attrgetter(*(f.attname for f in model_fields_), "pk")
    special = _special_preparers(model_fields_, connection)
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(opts.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in model_fields_),
        quote(opts.pk.column),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            cursor.executemany(sql, [_prepared(get(obj), special) for obj in chunk])


def _stamp(objs, fields, *, adding) -> None:
    """Set the auto_now (and, when adding, auto_now_add) times, one `now` for all, as the fields'
    pre_save would."""
    now = timezone.now()
    for field in fields:
        if _auto_now(field, adding=adding):
            for obj in objs:
                setattr(obj, field.attname, now)


def _preparer(field, connection):
    kind = field.get_internal_type()
    if kind == "ForeignKey":
        kind = field.target_field.get_internal_type()  # a key to a UUID is prepared as one
    if kind in PLAIN_TYPES:
        return _as_is
    if kind not in ("DateTimeField", "DateField"):
        return lambda value: field.get_db_prep_save(value, connection)
    memo = {}

    def prepare(value):
        # The times an import writes repeat (one `now` per chunk): prepare each once.
        if value not in memo:
            memo[value] = field.get_db_prep_save(value, connection)
        return memo[value]

    return prepare


def _as_is(value):
    return value


class FreshStatistics:
    """Keeps PostgreSQL's planner statistics in step with tables that one long transaction fills.

    An import writes up to a million rows in one transaction, and its later chunks look up what
    is in the tables it fills (companies by tax ID, invitations by partner). Autovacuum cannot
    analyze rows that are not committed, so on a new installation the planner keeps believing
    those tables empty and picks plans that read every row the import has written so far, for
    each chunk: the time then grows with the square of the rows. Once the import has written
    `at` rows, each table whose statistics count fewer rows than that is analyzed inside the
    transaction (ANALYZE counts the transaction's own rows; from then on the planner scales its
    estimates with the table's size). ANALYZE holds a lock that a concurrent ANALYZE, VACUUM or
    schema change waits for until the import commits; so it waits at most a moment for that lock
    itself and is skipped when another session has it. Elsewhere (SQLite) it does nothing.
    """

    def __init__(self, *models, at=WRITE_STATS_AT):
        self.tables = [model._meta.db_table for model in models]
        self.alias = router.db_for_write(models[0])
        self.at = at
        self.done = False

    def rows_written(self, count: int) -> None:
        connection = connections[self.alias]
        if self.done or count < self.at or connection.vendor != "postgresql":
            return
        self.done = True
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class WHERE oid = ANY(%s::regclass[])", [self.tables]
            )
            stale = [table for table, rows in cursor.fetchall() if rows < count]
            cursor.execute("SHOW lock_timeout")
            (lock_timeout,) = cursor.fetchone()
            for table in stale:
                try:
                    with transaction.atomic(using=self.alias):
                        cursor.execute("SET LOCAL lock_timeout = '200ms'")
                        cursor.execute("ANALYZE " + connection.ops.quote_name(table))
                        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
                except DatabaseError:
                    log.info("skipped ANALYZE of %s: another session holds its lock", table)
