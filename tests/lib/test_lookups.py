"""__in_array: the importers' look-up of thousands of values, as __in would find them."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from enlace.lib import lookups  # noqa: F401 - registers __in_array
from enlace.partners.models import PartnerGroup


def test_it_finds_what_in_finds_and_nothing_for_no_values(acme):
    for name in ["Norte", "Sur", "Este"]:
        PartnerGroup.objects.create(organization=acme, name=name)
    wanted = ["Sur", "Norte", "Oeste"]

    with CaptureQueriesContext(connection) as queries:
        found = set(PartnerGroup.objects.filter(name__in_array=wanted).values_list("name", flat=True))

    assert found == set(PartnerGroup.objects.filter(name__in=wanted).values_list("name", flat=True))
    assert found == {"Sur", "Norte"}
    assert not PartnerGroup.objects.filter(name__in_array=[]).exists()
    (sql,) = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and "Oeste" in sql  # one array, whatever the number of values
    else:
        assert " IN (" in sql
