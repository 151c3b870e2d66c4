from django.db import migrations

from enlace.lib.postgres import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    """The activation requests' search by name or email, on PostgreSQL (over UPPER(col), as
    Django compiles `icontains`). The partner's name and code use the partners' indexes."""

    dependencies = [
        ("invitations", "0005_sending_schedule"),
        ("partners", "0003_search_indexes"),
    ]

    operations = [
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            "CREATE INDEX invitation_search_trgm_idx ON invitations_invitation USING gin ("
            "UPPER(first_name) gin_trgm_ops, UPPER(last_name) gin_trgm_ops, UPPER(email) gin_trgm_ops)",
            "DROP INDEX invitation_search_trgm_idx",
        ),
    ]
