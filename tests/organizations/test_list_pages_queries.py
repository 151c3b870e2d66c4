"""Every list page and API list costs the same number of queries with 10 rows as with 1,000: no
query per row, whatever the directory's size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enlace.accounts.models import User
from enlace.api.keys import create_api_key
from enlace.imports.models import ImportBatch
from enlace.invitations.models import Invitation
from enlace.invitations.services import build_invitation
from enlace.partners.models import Company, Partner, PartnerGroup
from tests.api.conftest import ApiClient


def add_partners(organization, kind, start, count):
    companies = Company.objects.bulk_create(
        Company(country="EC", tax_id=f"{kind[0]}{n:012d}", name=f"Empresa {n}")
        for n in range(start, start + count)
    )
    partners = Partner.objects.bulk_create(
        Partner(
            organization=organization,
            company=company,
            kind=kind,
            code=f"{kind[0].upper()}{n}",
            name=f"Empresa {n}",
            email=f"empresa{n}@{kind}.example",
        )
        for n, company in enumerate(companies, start=start)
    )
    group, _ = PartnerGroup.objects.get_or_create(organization=organization, name="Sierra")
    group.partners.add(*partners)
    return partners


def add_suppliers(acme, customer, start, count):
    suppliers = add_partners(acme, Partner.Kind.SUPPLIER, start, count)
    # Every other one invited: the directory shows each one's invitation state.
    Invitation.objects.bulk_create(
        build_invitation(organization=acme, kind=Invitation.Kind.SUPPLIER_CODE, email=s.email, partner=s)
        for s in suppliers[::2]
    )


def add_customers(acme, customer, start, count):
    add_partners(acme, Partner.Kind.CUSTOMER, start, count)


def add_portal_users(acme, customer, start, count):
    users = User.objects.bulk_create(
        User(
            username=f"persona{n}@tornillo.example",
            email=f"persona{n}@tornillo.example",
            first_name=f"Persona {n}",
            profile=User.Profile.CUSTOMER,
            status=User.Status.PENDING_ACTIVATION,
            organization=acme,
            partner=customer,
        )
        for n in range(start, start + count)
    )
    Invitation.objects.bulk_create(
        build_invitation(
            organization=acme, kind=Invitation.Kind.REGISTRATION, email=u.email, partner=customer, user=u
        )
        for u in users
    )


def add_invitations(acme, customer, start, count):
    Invitation.objects.bulk_create(
        build_invitation(
            organization=acme,
            kind=Invitation.Kind.REGISTRATION,
            email=f"p{n}@tornillo.example",
            partner=customer,
        )
        for n in range(start, start + count)
    )


def add_imports(acme, customer, start, count):
    ImportBatch.objects.bulk_create(
        ImportBatch(
            organization=acme,
            kind=ImportBatch.Kind.CUSTOMER_USERS,
            filename=f"personas-{n}.csv",
            status=ImportBatch.Status.REJECTED,
            rows=3,
            errors=[
                {"row": 2, "column": "email", "value": "x", "code": "invalid", "message": "No es válido"}
            ],
        )
        for n in range(start, start + count)
    )


PAGES = {
    "suppliers": ("partners:supplier_list", {}, add_suppliers),
    "suppliers, searched": ("partners:supplier_list", {"q": "Empresa"}, add_suppliers),
    "suppliers, one group and status": ("partners:supplier_list", {"status": "invited"}, add_suppliers),
    "customers": ("partners:customer_list", {}, add_customers),
    "customers, searched": ("partners:customer_list", {"q": "Empresa"}, add_customers),
    "portal users": ("accounts:user_list", {}, add_portal_users),
    "portal users, searched": ("accounts:user_list", {"q": "Persona"}, add_portal_users),
    "activation requests": ("invitations:list", {}, add_invitations),
    "activation requests, filtered": (
        "invitations:list",
        {"state": "created", "q": "tornillo"},
        add_invitations,
    ),
    "import history": ("imports:batch_list", {}, add_imports),
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(PAGES))
def test_a_list_page_costs_the_same_queries_with_10_and_1000_rows(alice_client, acme, customer, page):
    name, query, add = PAGES[page]

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = alice_client.get(reverse(name), query)
        assert response.status_code == 200
        return len(captured)

    add(acme, customer, 0, 10)
    with_ten = queries()
    add(acme, customer, 10, 990)
    assert queries() == with_ten, page


API_LISTS = {
    "suppliers": ("/suppliers", {}, add_suppliers),
    "suppliers, searched": ("/suppliers", {"q": "Empresa"}, add_suppliers),
    "customers": ("/customers", {}, add_customers),
    "customers, searched": ("/customers", {"q": "Empresa"}, add_customers),
    "users": ("/users", {}, add_portal_users),
    "users, searched": ("/users", {"q": "Persona"}, add_portal_users),
    "invitations": ("/invitations", {}, add_invitations),
}


@pytest.fixture
def api(acme, alice):
    _api_key, key = create_api_key(organization=acme, name="ERP", by=alice)
    return ApiClient(key)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(API_LISTS))
def test_an_api_list_costs_the_same_queries_with_10_and_1000_rows(api, acme, customer, endpoint):
    path, query, add = API_LISTS[endpoint]

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = api.get(path, query)
        assert response.status_code == 200, response.content[:300]
        return len(captured)

    add(acme, customer, 0, 10)
    queries()  # the key's first use is recorded once (then at most every few minutes)
    with_ten = queries()
    add(acme, customer, 10, 990)
    assert queries() == with_ten, endpoint
