"""Partner groups are named case-insensitively, one rule for a form, the API and an import."""

import pytest

from enlace.partners.models import PartnerGroup
from tests.partners.suppliers import add_supplier


@pytest.mark.django_db
def test_a_partner_joins_existing_groups_whatever_the_case_and_new_ones_are_created(acme):
    sierra = PartnerGroup.objects.create(organization=acme, name="Sierra")
    partner = add_supplier(acme, 1, groups=["SIERRA", " sierra ", "Costa", ""])
    assert sorted(g.name for g in partner.groups.all()) == ["Costa", "Sierra"]
    assert PartnerGroup.objects.filter(organization=acme).count() == 2
    assert partner.groups.filter(pk=sierra.pk).exists()
