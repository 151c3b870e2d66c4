"""The database session of a delivery: what each database needs to keep up with the messages."""

import contextlib
import sys
import time

from django.db import DatabaseError, OperationalError, connection, transaction
from django_tasks_db.utils import is_locked_database_exception


@contextlib.contextmanager
def commits_without_waiting_for_disk():
    """PostgreSQL only; why it is safe is in enlace.invitations.delivery's docstring."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


# SQLite has one writer at a time. Its own busy handler sleeps 1, 2, 5, 10 ms ... between tries,
# while a delivery holds the lock for about a tenth of a millisecond: with two workers, every
# collision cost more than the write. During a chunk the handler is off and `writing()` tries again
# after 0.1 ms, then after twice as long each time up to 5 ms (a long writer, such as an import,
# is not hammered), until the configured timeout.
FIRST_LOCK_RETRY_SECONDS = 0.0001
LONGEST_LOCK_RETRY_SECONDS = 0.005


@contextlib.contextmanager
def short_lock_waits():
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (configured,) = cursor.fetchone()
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(configured)}")
        except DatabaseError:
            connection.close()  # never keep a connection that would not wait for a lock


@contextlib.contextmanager
def writing():
    """transaction.atomic(), whose start (BEGIN IMMEDIATE on SQLite) is tried again soon after
    finding the database locked (see short_lock_waits)."""
    atomic = transaction.atomic()
    deadline = time.monotonic() + connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)
    pause = FIRST_LOCK_RETRY_SECONDS
    while True:
        try:
            atomic.__enter__()
            break
        except OperationalError as error:
            if not is_locked_database_exception(error) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_LOCK_RETRY_SECONDS)
    try:
        yield
    except BaseException:
        if not atomic.__exit__(*sys.exc_info()):
            raise
    else:
        atomic.__exit__(None, None, None)
