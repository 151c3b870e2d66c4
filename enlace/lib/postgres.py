"""Migration operations for what only PostgreSQL has, such as pg_trgm indexes."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL that PostgreSQL runs and every other database skips.

    It changes no model state, so an index made this way is not declared in the model's Meta
    (which SQLite would then try to create).
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Raw SQL operation, on PostgreSQL only"


class AddIndexWithoutBlocking(AddIndexConcurrently):
    """AddIndex that PostgreSQL builds with CREATE INDEX CONCURRENTLY, so that the old version
    keeps writing to the table while a migration indexes millions of rows; every other database
    adds it as AddIndex does. Its migration must say `atomic = False`."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
