"""`field__in_array=values`: the importers' look-ups of thousands of values at a time.

An `__in` look-up has a placeholder per value: Django prepares and compiles each value, and
psycopg parses the statement anew for each execution (statements that long are not cached): on
a large import that costs more than the database's own work. On
PostgreSQL this look-up sends the values as one array parameter (`= ANY(%s)`), which the
database still answers from an index; elsewhere it is an IN, as `__in`.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import CharField, IntegerField, Lookup, TextField


@CharField.register_lookup
@TextField.register_lookup
@IntegerField.register_lookup
class InArray(Lookup):
    """For text and integer fields (and keys to them), whose values go to the database as they
    are prepared; unlike __in, values are not deduplicated and None is not dropped."""

    lookup_name = "in_array"

    def get_prep_lookup(self):
        prepare = self.lhs.output_field.get_prep_value
        return [prepare(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs]

    def as_postgresql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, self.rhs]
