from django.db import migrations

from enlace.lib.postgres import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_accounts_across_organizations")]

    operations = [
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            "CREATE INDEX user_search_trgm_idx ON accounts_user USING gin ("
            "UPPER(username) gin_trgm_ops, UPPER(email) gin_trgm_ops, "
            "UPPER(first_name) gin_trgm_ops, UPPER(last_name) gin_trgm_ops)",
            "DROP INDEX user_search_trgm_idx",
        ),
    ]
