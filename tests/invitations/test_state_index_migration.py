"""The index of each state's newest invitations is built by its migration on both databases,
and on PostgreSQL without blocking writes (CREATE INDEX CONCURRENTLY, outside a transaction)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from enlace.invitations.models import Invitation
from tests.accounts.test_account_migration import migrate

INDEX = "invitation_state_newest_idx"


def indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, Invitation._meta.db_table))


@pytest.mark.django_db(transaction=True)
def test_the_migration_adds_and_removes_the_index():
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        migrate([("invitations", "0008_home_indexes")])
        assert INDEX not in indexes()
        with CaptureQueriesContext(connection) as executed:
            migrate([("invitations", "0009_state_newest_index")])
        assert INDEX in indexes()
        created = [query["sql"] for query in executed.captured_queries if INDEX in query["sql"]]
        concurrently = connection.vendor == "postgresql"
        assert created and all(("CONCURRENTLY" in sql) == concurrently for sql in created), created
    finally:
        migrate(leaf)
