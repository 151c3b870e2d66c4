from django.db import migrations

from enlace.lib.postgres import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    """Indexes for the supplier and customer directories' search, on PostgreSQL.

    Django compiles `icontains` to UPPER(col) LIKE UPPER(%s) and `iexact` to UPPER(col) = UPPER(%s),
    so the indexes are over UPPER(col). SQLite gets none: its LIKE reads the table either way.
    """

    dependencies = [("partners", "0002_drop_redundant_indexes")]

    operations = [
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            "CREATE INDEX partner_name_trgm_idx ON partners_partner USING gin (UPPER(name) gin_trgm_ops)",
            "DROP INDEX partner_name_trgm_idx",
        ),
        RunSQLOnPostgreSQL(
            "CREATE INDEX partner_code_upper_idx ON partners_partner (organization_id, UPPER(code))",
            "DROP INDEX partner_code_upper_idx",
        ),
        RunSQLOnPostgreSQL(
            "CREATE INDEX partner_email_upper_idx ON partners_partner (organization_id, UPPER(email))",
            "DROP INDEX partner_email_upper_idx",
        ),
        # A prefix of the compact tax ID (LIKE 'X%'), whatever the database's collation.
        RunSQLOnPostgreSQL(
            "CREATE INDEX company_tax_id_prefix_idx ON partners_company (tax_id varchar_pattern_ops)",
            "DROP INDEX company_tax_id_prefix_idx",
        ),
    ]
