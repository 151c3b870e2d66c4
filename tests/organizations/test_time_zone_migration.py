"""Organizations that existed before time zones get their country's usual one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("organizations", "0003_require_two_factor")]
AFTER = [("organizations", "0004_time_zone")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_organizations_get_their_country_s_zone():
    try:
        Organization = migrate(BEFORE).get_model("organizations", "Organization")
        for slug, country in [("quito", "EC"), ("bogota", "CO"), ("santiago", "CL"), ("wellington", "NZ")]:
            Organization.objects.create(slug=slug, name=slug, country=country)

        Organization = migrate(AFTER).get_model("organizations", "Organization")
        assert dict(Organization.objects.values_list("slug", "time_zone")) == {
            "quito": "America/Guayaquil",
            "bogota": "America/Bogota",
            "santiago": "America/Santiago",
            "wellington": "UTC",
        }
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
