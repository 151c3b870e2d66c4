"""Files longer than one write chunk (1,000 rows): rules that span the whole file still see
every row, and every chunk is written with the right partner, groups and invitations."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from enlace.accounts.models import User
from enlace.imports.models import ImportBatch
from enlace.imports.services import WRITE_CHUNK, apply_or_fail, import_file, validate_batch
from enlace.invitations.models import Invitation
from enlace.lib.bulk import WRITE_STATS_AT
from enlace.partners.models import Partner
from tests.imports.helpers import (
    CUSTOMER_USERS_HEADER,
    CUSTOMERS_HEADER,
    SUPPLIERS_HEADER,
    csv_file,
    customer_row,
    person,
    supplier_row,
)

ROWS = WRITE_CHUNK * 2 + 500


def load(org, kind, rows, header, by=None):
    return import_file(organization=org, kind=kind, file=csv_file(rows, header), filename="big.csv", by=by)


def test_duplicates_far_apart_are_both_reported_with_each_others_row(acme):
    rows = [supplier_row(n) for n in range(ROWS)]
    rows[-1] = supplier_row(1, Name="Copia")  # same tax ID as the second data row, 2,499 rows later

    batch = load(acme, "suppliers", rows, SUPPLIERS_HEADER)

    assert batch.status == "rejected"
    assert [(e["row"], e["code"]) for e in batch.errors] == [
        (3, "duplicate_tax_id"),
        (ROWS + 1, "duplicate_tax_id"),
    ]
    # Each names the other row.
    assert batch.errors[0]["message"].endswith(f" {ROWS + 1}).")
    assert batch.errors[1]["message"].endswith(" 3).")
    assert not Partner.objects.exists()


def test_every_chunk_of_suppliers_gets_its_own_partner_groups_and_invitation(acme, alice):
    rows = [supplier_row(n, notify="1" if n % 2 else "0", Groups=f"Zona {n % 3}; Todos") for n in range(ROWS)]

    batch = load(acme, "suppliers", rows, SUPPLIERS_HEADER, by=alice)

    assert (batch.status, batch.created, batch.invitations) == ("applied", ROWS, ROWS // 2)
    partners = Partner.objects.filter(organization=acme).prefetch_related("groups")
    assert partners.count() == ROWS
    for partner in partners:
        n = int(partner.name.removeprefix("Proveedor "))
        assert partner.email == f"ventas{n}@proveedor.example"
        assert sorted(g.name for g in partner.groups.all()) == sorted([f"Zona {n % 3}", "Todos"])
    invited = Invitation.objects.filter(organization=acme).select_related("partner")
    assert invited.count() == ROWS // 2
    assert all(i.email == i.partner.email and int(i.partner.name.split()[-1]) % 2 for i in invited)
    assert all(i.state == Invitation.State.QUEUED for i in invited)
    # One delivery task per hundred invitations, none holding an invitation twice.
    queued = [pk for task in DBTaskResult.objects.all() for pk, _generation in task.args_kwargs["args"][0]]
    assert sorted(queued) == sorted(i.pk for i in invited)


def test_a_second_load_updates_every_chunk_in_place(acme):
    load(acme, "customers", [customer_row(n) for n in range(ROWS)], CUSTOMERS_HEADER)
    ids = dict(Partner.objects.values_list("code", "pk"))

    again = load(
        acme, "customers", [customer_row(n, Name=f"Nuevo {n}") for n in range(ROWS)], CUSTOMERS_HEADER
    )

    assert (again.status, again.created, again.updated) == ("applied", 0, ROWS)
    assert dict(Partner.objects.values_list("code", "pk")) == ids
    assert set(Partner.objects.values_list("name", flat=True)) == {f"Nuevo {n}" for n in range(ROWS)}


def test_customer_users_across_chunks_each_belong_to_their_customer(acme, alice):
    load(acme, "customers", [customer_row(n) for n in range(1, 4)], CUSTOMERS_HEADER)
    rows = [person(n, code=f"C{n % 3 + 1:04d}") for n in range(ROWS)]

    batch = load(acme, "customer_users", rows, CUSTOMER_USERS_HEADER, by=alice)

    assert (batch.status, batch.created, batch.invitations) == ("applied", ROWS, ROWS)
    for user in User.objects.filter(profile=User.Profile.CUSTOMER).select_related("partner"):
        n = int(user.email.removeprefix("persona").split("@")[0])
        assert user.partner.code == f"C{n % 3 + 1:04d}"
        assert not user.has_usable_password()
    assert Invitation.objects.filter(user__isnull=False, partner__isnull=False).count() == ROWS


def test_imported_rows_keep_their_times_to_the_microsecond(acme, alice, time_machine):
    moment = datetime(2026, 3, 1, 14, 30, 15, 123456, tzinfo=UTC)
    time_machine.move_to(moment, tick=False)
    load(acme, "customers", [customer_row(1)], CUSTOMERS_HEADER)

    load(acme, "customer_users", [person(1, code="C0001")], CUSTOMER_USERS_HEADER, by=alice)

    invitation = Invitation.objects.get()
    assert invitation.created_at == invitation.updated_at == moment
    assert invitation.expires_at == moment + timedelta(hours=48)
    assert invitation.invited_by == alice and invitation.used_at is None
    assert User.objects.get(email=invitation.email).date_joined == moment
    assert Partner.objects.get().created_at == moment


@pytest.mark.postgres
def test_planner_statistics_follow_a_long_import_on_postgresql(acme):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no planner statistics to keep fresh")
    rows = WRITE_STATS_AT + 500
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'partners_company'")
        (before,) = cursor.fetchone()

    load(acme, "suppliers", [supplier_row(n) for n in range(rows)], SUPPLIERS_HEADER)

    # Analyzed inside the import's transaction, so that later chunks' look-ups of companies
    # use the index instead of scanning a table the planner still believed empty.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'partners_company'")
        (after,) = cursor.fetchone()
    assert before < WRITE_STATS_AT <= after


def test_a_partner_deleted_between_validation_and_apply_fails_the_batch_and_writes_nothing(acme):
    load(acme, "customers", [customer_row(n) for n in range(3)], CUSTOMERS_HEADER)
    batch = ImportBatch(organization=acme, kind="customers", filename="c.csv")
    file = csv_file([customer_row(n, Name="Nuevo") for n in range(3)] + [customer_row(9)], CUSTOMERS_HEADER)
    validator = validate_batch(batch=batch, file=file)
    Partner.objects.get(code="C0001").delete()  # someone else, meanwhile
    batch.save()

    apply_or_fail(batch=batch, validator=validator)
    validator.close()

    assert batch.status == ImportBatch.Status.FAILED and batch.errors[0]["code"] == "conflict"
    assert set(Partner.objects.values_list("name", flat=True)) == {"Cliente 0", "Cliente 2"}
