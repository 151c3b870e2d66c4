"""The directories' search: the same partners on every database, each way of matching read from
its own index on PostgreSQL."""

import pytest
from django.urls import reverse

from enlace.invitations.models import Invitation
from enlace.invitations.services import build_invitation
from enlace.invitations.supplier_directory import supplier_directory
from enlace.partners.models import Partner
from enlace.partners.selectors import more_than_limit, search_partners
from enlace.partners.services import create_partner
from tests.conftest import ec_ruc
from tests.organizations.test_list_pages_queries import add_partners
from tests.search_plans import committing, plan_of, postgresql_only

SUPPLIER = Partner.Kind.SUPPLIER


def names(partners) -> list[str]:
    return sorted(p.name for p in partners)


@pytest.fixture
def many_suppliers(acme, suppliers):
    """Enough of them that reading all of Acme's partners costs more than an index look-up."""
    return add_partners(acme, SUPPLIER, 200, 3000)


@pytest.fixture
def suppliers(acme):
    create_partner(
        organization=acme,
        kind=SUPPLIER,
        tax_id=ec_ruc(41),
        code="Pr-77",
        name="Aceros del Pacífico",
        email="Ventas@Aceros.example",
    )
    create_partner(organization=acme, kind=SUPPLIER, tax_id=ec_ruc(42), name="Maderas Andinas")
    create_partner(organization=acme, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(43), name="Aceros Cliente")
    return add_partners(acme, SUPPLIER, 0, 200)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, found",
    [
        ("aceros", ["Aceros del Pacífico"]),  # a part of the name, any case
        ("pr-77", ["Aceros del Pacífico"]),  # the code, any case
        ("ventas@aceros.EXAMPLE", ["Aceros del Pacífico"]),  # the email, any case
        (
            "Empresa 19",
            ["Empresa 19", "Empresa 190", "Empresa 191", "Empresa 192", "Empresa 193"]
            + ["Empresa 194", "Empresa 195", "Empresa 196", "Empresa 197", "Empresa 198", "Empresa 199"],
        ),
        ("nothing like it", []),
    ],
)
def test_the_search_matches_name_code_email_and_tax_id(acme, suppliers, query, found):
    assert names(search_partners(organization=acme, kind=SUPPLIER, query=query)) == sorted(found)


@pytest.mark.django_db
def test_a_tax_id_is_found_by_its_start_whatever_the_punctuation(acme, suppliers):
    tax_id = ec_ruc(41)
    typed = f"{tax_id[:3]}.{tax_id[3:6]}-{tax_id[6:10]}"
    assert names(search_partners(organization=acme, kind=SUPPLIER, query=typed)) == ["Aceros del Pacífico"]
    assert names(search_partners(organization=acme, kind=SUPPLIER, query=f" {tax_id} ")) == [
        "Aceros del Pacífico"
    ]


def by_name(partners) -> list[str]:
    return [p.name for p in partners.order_by("name", "pk")]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["empresa", "Empresa 1", "aaa", "s17", "empresa3@supplier.example"])
def test_a_limited_search_keeps_its_first_matches_by_name(acme, suppliers, query):
    # Matched by its code, a partner whose name comes first: each way of matching is limited
    # on its own, and their union still starts with the first matches of all.
    create_partner(organization=acme, kind=SUPPLIER, tax_id=ec_ruc(44), name="AAA Primero", code="Empresa 1")
    everything = by_name(search_partners(organization=acme, kind=SUPPLIER, query=query))
    limited = search_partners(organization=acme, kind=SUPPLIER, query=query, limit=5)
    assert by_name(limited) == everything[:6]
    assert more_than_limit(limited, limit=5) == (len(everything) > 5)


@pytest.mark.django_db
def test_the_directory_filters_before_it_limits(acme, suppliers):
    Invitation.objects.bulk_create(
        build_invitation(organization=acme, kind=Invitation.Kind.SUPPLIER_CODE, email=s.email, partner=s)
        for s in suppliers[::7]
    )
    everything = by_name(supplier_directory(organization=acme, query="empresa", status="invited"))
    limited = supplier_directory(organization=acme, query="empresa", status="invited", limit=10)
    assert len(everything) == 29 and by_name(limited) == everything[:11]
    assert not more_than_limit(supplier_directory(organization=acme, query="empresa 19", limit=11), limit=11)


@pytest.mark.django_db
def test_a_search_with_too_many_matches_says_so(alice_client, suppliers, monkeypatch):
    monkeypatch.setattr("enlace.partners.views.SEARCH_LIMIT", 10)
    page = alice_client.get(reverse("partners:supplier_list"), {"q": "empresa"}).content.decode()
    assert "Más de 10 coinciden con su búsqueda" in page
    page = alice_client.get(reverse("partners:supplier_list"), {"q": "empresa 199"}).content.decode()
    assert "Empresa 199" in page and "coinciden con su búsqueda" not in page


@postgresql_only
@committing
@pytest.mark.parametrize(
    "query, index",
    [
        ("aceros", "partner_name_trgm_idx"),
        ("pr-77", "partner_code_upper_idx"),
        ("ventas@aceros.example", "partner_email_upper_idx"),
        (ec_ruc(41)[:10], "company_tax_id_prefix_idx"),
    ],
)
def test_each_way_of_matching_reads_its_index(acme, many_suppliers, query, index):
    plan = plan_of(search_partners(organization=acme, kind=SUPPLIER, query=query))
    assert index in plan, plan


@postgresql_only
@committing
def test_the_supplier_directory_and_customer_search_read_the_indexes(acme, many_suppliers):
    plan = plan_of(supplier_directory(organization=acme, query="Empresa 19", status="invited"))
    assert "partner_name_trgm_idx" in plan and "company_tax_id_prefix_idx" in plan, plan
    add_partners(acme, Partner.Kind.CUSTOMER, 0, 3000)
    plan = plan_of(search_partners(organization=acme, kind=Partner.Kind.CUSTOMER, query="aceros"))
    assert "partner_name_trgm_idx" in plan, plan
