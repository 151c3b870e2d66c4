"""The directories' search: the same partners on every database, each way of matching read from
its own index on PostgreSQL."""

import pytest

from enlace.invitations.supplier_directory import supplier_directory
from enlace.partners.models import Partner
from enlace.partners.selectors import search_partners
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
