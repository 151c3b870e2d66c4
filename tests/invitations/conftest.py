import pytest

from enlace.partners.models import Partner
from enlace.partners.services import create_partner
from tests.accounts.test_registration import import_person
from tests.conftest import ec_ruc


@pytest.fixture
def people(acme, customer):
    """Three imported people of Acme's customers, their registration emails queued."""
    other = create_partner(
        organization=acme, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(7), code="C777", name="Comercial Andina"
    )
    return [
        import_person(acme, customer, email="maria@tornillo.example")[1],
        import_person(acme, customer, email="jorge@tornillo.example", first_name="Jorge", last_name="Mera")[
            1
        ],
        import_person(acme, other, email="lucia@andina.example", first_name="Lucía", last_name="Paz")[1],
    ]
