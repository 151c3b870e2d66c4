"""Looking a person up by email, whatever its case, through the unique index on lower(email):
a login must not read every user of the portal."""

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enlace.accounts.models import User
from enlace.accounts.services import email_in_use
from tests.conftest import PASSWORD


def plan_of(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the index's use visible
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " ".join(str(row) for row in cursor.fetchall())


@pytest.mark.django_db
def test_a_person_logs_in_with_their_email_in_any_case(alice):
    assert authenticate(username="Alice@ACME.example", password=PASSWORD) == alice
    assert authenticate(username="alice@acme.example", password="wrong") is None
    assert email_in_use("ALICE@acme.EXAMPLE", organization=alice.memberships.get().organization)
    assert not email_in_use("nobody@acme.example", organization=alice.memberships.get().organization)


@pytest.mark.django_db
def test_the_login_look_up_reads_the_email_index(alice):
    with CaptureQueriesContext(connection) as queries:
        authenticate(username="Alice@ACME.example", password=PASSWORD)
    lookup = next(q["sql"] for q in queries if 'LOWER("accounts_user"."email")' in q["sql"])
    assert "accounts_user_email_lower_idx" in plan_of(lookup, None)


@pytest.mark.django_db
def test_with_email_reads_the_email_index(alice):
    queryset = User.objects.with_email("ALICE@acme.example")
    assert list(queryset) == [alice]
    sql, params = queryset.query.sql_with_params()
    assert "accounts_user_email_lower_idx" in plan_of(sql, params)
