"""The customer master (upsert by code) and the supplier directory (upsert by tax ID)."""

from django_tasks_db.models import DBTaskResult
from stdnum.co import nit

from enlace.imports.services import import_file
from enlace.invitations.models import Invitation
from enlace.partners.models import Company, Partner, PartnerGroup
from enlace.partners.samples import ec_ruc
from tests.imports.helpers import (
    CUSTOMERS_HEADER,
    SUPPLIERS_HEADER,
    csv_file,
    customer_row,
    supplier_row,
    xlsx,
)


def load(org, kind, file, name="file.xlsx", by=None, **options):
    return import_file(organization=org, kind=kind, file=file, filename=name, by=by, **options)


def customers(org):
    return Partner.objects.filter(organization=org, kind=Partner.Kind.CUSTOMER)


def test_a_second_load_of_customers_updates_by_code_never_duplicates(acme):
    first = load(
        acme,
        "customers",
        xlsx([customer_row(1, Groups="Sierra; Mayoristas"), customer_row(2)], CUSTOMERS_HEADER),
    )
    assert (first.status, first.created, first.updated) == ("applied", 2, 0)

    second = load(
        acme,
        "customers",
        xlsx(
            [customer_row(1, Name="Nuevo nombre", City="Quito", Groups="sierra|Costa"), customer_row(3)],
            CUSTOMERS_HEADER,
        ),
    )

    assert (second.status, second.created, second.updated) == ("applied", 1, 1)
    assert customers(acme).count() == 3
    one = customers(acme).get(code="C0001")
    assert (one.name, one.city, one.company.tax_id) == ("Nuevo nombre", "Quito", ec_ruc(1))
    assert sorted(one.groups.values_list("name", flat=True)) == ["Costa", "Sierra"]
    assert PartnerGroup.objects.filter(organization=acme).count() == 3  # Sierra matched whatever its case


def test_customer_rules(acme, globex):
    load(acme, "customers", xlsx([customer_row(9, Code="OLD")], CUSTOMERS_HEADER))
    rows = [
        customer_row(1, **{"Tax ID": "1234567890123"}),
        customer_row(2, Code=""),
        customer_row(3, Name=""),
        customer_row(4, Email="nope"),
        customer_row(5, **{"Tax ID": ec_ruc(6)}),
        customer_row(6),
        customer_row(7, Code="C0008"),
        customer_row(8),
        customer_row(10, **{"Tax ID": ec_ruc(9)}),  # belongs to the customer with code OLD
    ]
    batch = load(acme, "customers", csv_file(rows, CUSTOMERS_HEADER), "c.csv")
    assert batch.status == "rejected"
    assert [(e["row"], e["key"], e["code"]) for e in batch.errors] == [
        (2, "tax_id", "invalid_tax_id"),
        (3, "code", "required"),
        (4, "name", "required"),
        (5, "email", "invalid_email"),
        (6, "tax_id", "duplicate_tax_id"),
        (7, "tax_id", "duplicate_tax_id"),
        (8, "code", "duplicate_code"),
        (9, "code", "duplicate_code"),
        (10, "tax_id", "tax_id_taken"),
    ]
    assert customers(acme).count() == 1


def test_customers_of_another_organization_are_not_touched(acme, globex):
    load(acme, "customers", xlsx([customer_row(1)], CUSTOMERS_HEADER))
    # Globex (CO) has its own master: same code, its own company.
    batch = load(
        globex,
        "customers",
        xlsx(
            [customer_row(1, **{"Tax ID": "90012345" + nit.calc_check_digit("90012345")})], CUSTOMERS_HEADER
        ),
    )
    assert (batch.status, batch.created) == ("applied", 1)
    assert customers(acme).get().company.tax_id == ec_ruc(1)


def test_suppliers_upsert_by_tax_id_and_notify_invites_only_rows_with_1(acme, alice):
    batch = load(
        acme,
        "suppliers",
        csv_file([supplier_row(1, notify="1"), supplier_row(2, notify="0")], SUPPLIERS_HEADER, delimiter=";"),
        "s.csv",
        by=alice,
    )
    assert (batch.status, batch.created, batch.updated, batch.invitations) == ("applied", 2, 0, 1)
    invitation = Invitation.objects.get()
    assert invitation.kind == Invitation.Kind.SUPPLIER_CODE
    assert invitation.email == "ventas1@proveedor.example"
    assert invitation.partner.name == "Proveedor 1"
    assert invitation.state == Invitation.State.QUEUED
    assert DBTaskResult.objects.count() == 1

    again = load(
        acme,
        "suppliers",
        xlsx(
            [supplier_row(1, notify="1", Name="Proveedor Uno"), supplier_row(2, notify="1")], SUPPLIERS_HEADER
        ),
        by=alice,
    )
    # Supplier 1's pending invitation is kept as it is: the code already emailed goes on working.
    assert (again.status, again.created, again.updated, again.invitations) == ("applied", 0, 2, 1)
    assert again.left_pending == 1
    assert Partner.objects.filter(organization=acme, kind="supplier").count() == 2
    assert Company.objects.count() == 2
    assert Invitation.objects.get(email="ventas1@proveedor.example").generation == 1
    assert Invitation.objects.count() == 2


def test_a_reupload_sends_fresh_codes_to_pending_suppliers_only_when_asked(acme, alice):
    rows = [supplier_row(1, notify="1"), supplier_row(2, notify="1")]
    load(acme, "suppliers", csv_file(rows, SUPPLIERS_HEADER), "s.csv", by=alice)
    preview = load(acme, "suppliers", csv_file(rows, SUPPLIERS_HEADER), "s.csv", by=alice, dry_run=True)
    assert (preview.invitations, preview.left_pending) == (0, 2)  # what the real run would keep
    fresh = load(acme, "suppliers", csv_file(rows, SUPPLIERS_HEADER), "s.csv", by=alice, resend_pending=True)
    assert (fresh.invitations, fresh.left_pending) == (2, 0)
    # Resent, not duplicated: a new secret on the same invitation, the old code dead.
    assert Invitation.objects.count() == 2
    assert set(Invitation.objects.values_list("generation", flat=True)) == {2}


def test_supplier_rules(acme):
    rows = [
        supplier_row(1, notify=""),
        supplier_row(2, notify="yes"),
        supplier_row(3, Email=""),
        supplier_row(4, Name=""),
        supplier_row(5, **{"Tax ID": "123"}),
        supplier_row(6, **{"Tax ID": ec_ruc(50_007)}),
        supplier_row(7),
    ]
    batch = load(acme, "suppliers", xlsx(rows, SUPPLIERS_HEADER))
    assert [(e["row"], e["key"], e["code"]) for e in batch.errors] == [
        (2, "notify", "required"),
        (3, "notify", "invalid_notify"),
        (4, "email", "required"),
        (5, "name", "required"),
        (6, "tax_id", "invalid_tax_id"),
        (7, "tax_id", "duplicate_tax_id"),
        (8, "tax_id", "duplicate_tax_id"),
    ]
    assert not Partner.objects.exists() and not Company.objects.exists()
    assert not Invitation.objects.exists()


def test_a_supplier_already_on_the_network_is_linked_to_its_company(acme, globex):
    Company.objects.create(country="EC", tax_id=ec_ruc(50_001), name="Registrada")
    batch = load(acme, "suppliers", xlsx([supplier_row(1)], SUPPLIERS_HEADER))
    assert batch.created == 1
    assert Company.objects.count() == 1


def test_a_group_named_twice_in_different_case_is_one_group(acme):
    batch = load(acme, "customers", xlsx([customer_row(1, Groups="Sierra; sierra|SIERRA")], CUSTOMERS_HEADER))

    assert batch.status == "applied"
    assert list(customers(acme).get().groups.values_list("name", flat=True)) == ["Sierra"]
