"""Query plans on PostgreSQL, for the tests that each search reads its index."""

import pytest
from django.db import connection, transaction

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the search indexes are PostgreSQL's (pg_trgm)"
)
# The plans need the statistics of the rows a test wrote, and the row counts ANALYZE records
# outlive a rolled-back transaction: the tests that read plans commit, and the flush after
# each (TRUNCATE) resets those counts for the tests that follow.
committing = pytest.mark.django_db(transaction=True)


def plan_of(queryset) -> str:
    """The plan of `queryset` with sequential scans priced out, so that an index that can serve
    the query is used even on a table of a few thousand rows, and with the statistics of the rows
    the test wrote (else the planner takes every table for nearly empty). The rows written since
    a GIN index was made wait in its pending list, which makes the index look dear: they are
    moved into it first, as autovacuum would."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT gin_clean_pending_list(c.oid) FROM pg_class c"
            " JOIN pg_am ON pg_am.oid = c.relam WHERE pg_am.amname = 'gin'"
        )
        cursor.execute("ANALYZE")
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()
