"""How Enlace's connections to PostgreSQL are set up."""

import pytest
from django.db import connection


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
@pytest.mark.django_db
def test_the_connections_do_not_compile_queries_just_in_time():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
