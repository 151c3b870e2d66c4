"""A supplier known to two buyers (Acme and Initech), its people, another supplier of Acme, and
Globex, which does not work with it."""

import pytest
from django.test import Client
from django.utils import timezone

from enlace.accounts.models import User
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.conftest import make_org
from tests.partners.suppliers import add_supplier


def make_supplier_person(partner, email, first_name, language=""):
    person = User.objects.create_user(
        username=email,
        email=email,
        password="x",
        first_name=first_name,
        profile=User.Profile.SUPPLIER,
        organization=partner.organization,
        partner=partner,
        status=User.Status.READY,
        language=language,
    )
    partner.company.registered_at = timezone.now()
    partner.company.save()
    return person


def browser_of(user):
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def steel(acme):
    """Acme's supplier Aceros del Sur."""
    return add_supplier(acme, 1, name="Aceros del Sur")


@pytest.fixture
def initech(db):
    return make_org("initech", language="en")


@pytest.fixture
def steel_at_initech(initech, steel):
    """The same company, a supplier of Initech too."""
    return create_partner(
        organization=initech, kind=Partner.Kind.SUPPLIER, tax_id=ec_ruc(1), name="Southern Steel"
    )


@pytest.fixture
def rosa(steel):
    return make_supplier_person(steel, "rosa@aceros.example", "Rosa")


@pytest.fixture
def tom(steel_at_initech):
    """A person of the same company, brought in by Initech (whose language is English)."""
    return make_supplier_person(steel_at_initech, "tom@aceros.example", "Tom")


@pytest.fixture
def luis(acme):
    """A person of another supplier of Acme."""
    return make_supplier_person(add_supplier(acme, 2, name="Maderas Finas"), "luis@maderas.example", "Luis")


@pytest.fixture
def rosa_client(rosa):
    return browser_of(rosa)
