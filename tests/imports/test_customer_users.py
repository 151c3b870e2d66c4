"""Importing customers' people: every row rule, all or nothing, one invitation each."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from enlace.accounts.models import User
from enlace.imports.models import ImportBatch
from enlace.imports.services import import_file
from enlace.invitations.models import Invitation
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.imports.helpers import CUSTOMER_USERS_HEADER, csv_file, person, xlsx


def run(org, file, by=None, name="people.xlsx"):
    return import_file(
        organization=org, kind=ImportBatch.Kind.CUSTOMER_USERS, file=file, filename=name, by=by
    )


def errors_of(batch):
    return [(e["row"], e["key"], e["code"]) for e in batch.errors]


def test_each_person_becomes_a_pending_customer_user_with_a_queued_registration_link(customer, alice):
    batch = run(
        customer.organization,
        xlsx([person(1, Phone="099 123 4567"), person(2)], CUSTOMER_USERS_HEADER),
        by=alice,
    )

    assert batch.status == ImportBatch.Status.APPLIED
    assert (batch.rows, batch.created, batch.invitations) == (2, 2, 2)
    user = User.objects.get(email="persona1@cliente.example")
    assert user.profile == User.Profile.CUSTOMER
    assert user.status == User.Status.PENDING_ACTIVATION
    assert (user.organization, user.partner) == (customer.organization, customer)
    assert user.phone == "+593991234567"
    assert user.language == "es"
    assert not user.has_usable_password()
    invitation = user.invitations.get()
    assert invitation.kind == Invitation.Kind.REGISTRATION
    assert invitation.state == Invitation.State.QUEUED
    assert invitation.invited_by == alice
    assert invitation.audit_events.count() == 1
    assert DBTaskResult.objects.count() == 1  # one delivery task per chunk of invitations


def test_every_error_is_reported_with_its_row_and_column_and_nothing_is_written(customer):
    User.objects.create(username="taken", email="Taken@Cliente.example", organization=customer.organization)
    rows = [
        person(1),
        person(2, code="NOPE"),
        person(3, **{"First names": "", "Last names": ""}),
        person(4, Email="not an email"),
        person(5, Email="TAKEN@cliente.example"),
        person(6, Phone="12"),
        person(7, Email="dup@cliente.example"),
        person(8, Email="Dup@Cliente.example"),
    ]
    with translation.override("es"):
        batch = run(customer.organization, xlsx(rows, CUSTOMER_USERS_HEADER))

    assert batch.status == ImportBatch.Status.REJECTED
    assert errors_of(batch) == [
        (3, "customer_code", "customer_not_found"),
        (4, "first_name", "required"),
        (4, "last_name", "required"),
        (5, "email", "invalid_email"),
        (6, "email", "email_taken"),
        (7, "phone", "invalid_phone"),
        (8, "email", "duplicate_email"),
        (9, "email", "duplicate_email"),
    ]
    assert batch.errors[0]["column"] == "Código de cliente"  # in the uploader's language (es)
    assert batch.errors[0]["value"] == "NOPE"
    assert "9" in batch.errors[-2]["message"]  # each duplicate names the other row
    assert User.objects.filter(profile=User.Profile.CUSTOMER).count() == 0
    assert Invitation.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_one_bad_row_in_a_thousand_changes_nothing_and_sends_nothing(customer):
    rows = [person(n) for n in range(1000)]
    rows[637] = person(637, Email="broken@")
    batch = run(customer.organization, csv_file(rows, CUSTOMER_USERS_HEADER), name="people.csv")

    assert batch.status == ImportBatch.Status.REJECTED
    assert errors_of(batch) == [(639, "email", "invalid_email")]
    assert User.objects.filter(profile=User.Profile.CUSTOMER).count() == 0
    assert Invitation.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_a_customer_code_of_another_organization_is_not_found(customer, globex):
    create_partner(organization=globex, kind=Partner.Kind.CUSTOMER, tax_id="900123456", code="G1", name="G")
    batch = run(customer.organization, xlsx([person(1, code="G1")], CUSTOMER_USERS_HEADER))
    assert errors_of(batch) == [(2, "customer_code", "customer_not_found")]


def test_text_that_looks_like_a_formula_is_stored_as_text(customer):
    batch = run(
        customer.organization,
        csv_file([person(1, **{"First names": "=1+1", "Last names": "\t@SUM(A1)"})], CUSTOMER_USERS_HEADER),
        name="p.csv",
    )
    assert batch.status == ImportBatch.Status.APPLIED
    user = User.objects.get(email="persona1@cliente.example")
    assert (user.first_name, user.last_name) == ("=1+1", "@SUM(A1)")


@pytest.mark.parametrize("field", ["First names", "Email"])
def test_cells_are_trimmed(customer, field):
    row = person(1, **{field: f"  {person(1)[CUSTOMER_USERS_HEADER.index(field)]}  "})
    run(customer.organization, xlsx([row], CUSTOMER_USERS_HEADER))
    user = User.objects.get(email="persona1@cliente.example")
    assert user.first_name == "Persona 1"


def test_people_of_several_customers(acme):
    for n in (1, 2):
        create_partner(
            organization=acme, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(n), code=f"K{n}", name=f"K{n}"
        )
    batch = run(acme, xlsx([person(1, code="K1"), person(2, code="K2")], CUSTOMER_USERS_HEADER))
    assert batch.status == ImportBatch.Status.APPLIED
    assert sorted(User.objects.filter(profile="customer").values_list("partner__code", flat=True)) == [
        "K1",
        "K2",
    ]


def test_an_email_too_long_to_be_a_username_is_refused_not_cut(customer):
    # Imported people log in with their email, and a username holds 150 characters.
    long_email = "p" * 64 + "@" + "sub." * 21 + "cliente.example"
    assert 150 < len(long_email) <= 254

    batch = run(customer.organization, xlsx([person(1), person(2, Email=long_email)], CUSTOMER_USERS_HEADER))

    assert errors_of(batch) == [(3, "email", "too_long")]
    assert not User.objects.filter(profile=User.Profile.CUSTOMER).exists()


def test_the_check_for_emails_in_use_reads_the_email_index_not_every_user(customer):
    with CaptureQueriesContext(connection) as queries:
        run(customer.organization, csv_file([person(1)], CUSTOMER_USERS_HEADER), name="p.csv")
    lookup = next(q["sql"] for q in queries if 'LOWER("accounts_user"."email")' in q["sql"])

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the index's use visible
            cursor.execute("EXPLAIN " + lookup)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + lookup)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "one_user_per_email_per_org" in plan


def test_people_of_another_organization_are_imported_as_anyone_else(customer, globex):
    # The same address in another organization is no business of this one: no "taken", and
    # nothing in the answer tells the two apart.
    User.objects.create(username="p1", email="persona1@cliente.example", organization=globex)
    batch = run(customer.organization, xlsx([person(1), person(2)], CUSTOMER_USERS_HEADER))

    assert batch.status == ImportBatch.Status.APPLIED and batch.errors == []
    assert User.objects.filter(email="persona1@cliente.example").count() == 2
