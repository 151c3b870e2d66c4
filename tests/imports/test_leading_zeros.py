"""Codes and tax IDs whose leading zeros a spreadsheet removed (00123 saved as the number 123):
matched when restoring the zeros names exactly one customer, otherwise refused with a hint."""

import io

import openpyxl
import pytest
from django.utils import translation

from enlace.accounts.models import User
from enlace.imports.models import ImportBatch
from enlace.imports.services import import_file
from enlace.imports.spreadsheets import template_xlsx
from enlace.partners.models import Partner
from enlace.partners.services import create_partner
from tests.conftest import ec_ruc
from tests.imports.helpers import (
    CUSTOMER_USERS_HEADER,
    CUSTOMERS_HEADER,
    SUPPLIERS_HEADER,
    csv_file,
    customer_row,
    person,
    supplier_row,
    xlsx,
)

# A valid RUC of Guayas (province 09): as a number it loses its first digit.
RUC_WITH_ZERO = "0990000018001"


def run(org, kind, file, name="file.xlsx"):
    return import_file(organization=org, kind=kind, file=file, filename=name, by=None)


def errors_of(batch):
    return [(e["row"], e["key"], e["code"]) for e in batch.errors]


@pytest.fixture
def customers(acme):
    def add(n, code):
        return create_partner(
            organization=acme, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(n), code=code, name=f"Cliente {code}"
        )

    return {code: add(n, code) for n, code in enumerate(["00123", "0045", "045", "777"], start=11)}


@pytest.mark.django_db
def test_a_code_saved_as_a_number_finds_the_one_customer_with_its_zeros(acme, customers):
    # openpyxl writes 123 and 123.0 as numbers, as Excel saves a column it took for numbers.
    batch = run(
        acme,
        ImportBatch.Kind.CUSTOMER_USERS,
        xlsx([person(1, code=123), person(2, code=123.0)] + [person(3, code=777)], CUSTOMER_USERS_HEADER),
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    by_email = {u.email: u.partner.code for u in User.objects.filter(profile=User.Profile.CUSTOMER)}
    assert by_email == {
        "persona1@cliente.example": "00123",
        "persona2@cliente.example": "00123",
        "persona3@cliente.example": "777",
    }


@pytest.mark.django_db
def test_the_same_from_a_csv(acme, customers):
    batch = run(
        acme,
        ImportBatch.Kind.CUSTOMER_USERS,
        csv_file([person(1, code="123")], CUSTOMER_USERS_HEADER),
        name="people.csv",
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert User.objects.get(email="persona1@cliente.example").partner == customers["00123"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, hint",
    [
        ("es", "Excel quitó los ceros a la izquierda de este código (¿0045, 045?): dé formato de texto"),
        ("en", "Excel removed the leading zeros of this code (0045, 045?): format the column as text"),
    ],
)
def test_a_code_that_could_be_two_customers_is_refused_with_a_hint(acme, customers, language, hint):
    rows = [person(1, code=45), person(2, code=999)]
    with translation.override(language):
        batch = run(acme, ImportBatch.Kind.CUSTOMER_USERS, xlsx(rows, CUSTOMER_USERS_HEADER))
    assert batch.status == ImportBatch.Status.REJECTED
    assert errors_of(batch) == [
        (2, "customer_code", "leading_zeros_removed"),
        (3, "customer_code", "customer_not_found"),
    ]
    assert batch.errors[0]["message"].startswith(hint)
    assert batch.errors[0]["value"] == "45"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, hint",
    [("es", "Excel quitó los ceros a la izquierda de este código (¿00123?)"), ("en", "Excel removed")],
)
def test_the_customers_import_refuses_a_code_without_its_zeros(acme, customers, language, hint):
    # Matching it would rename the customer to 123: the file is refused instead.
    row = customer_row(11, Code=123)
    with translation.override(language):
        batch = run(acme, ImportBatch.Kind.CUSTOMERS, xlsx([row], CUSTOMERS_HEADER))
    assert errors_of(batch) == [(2, "code", "leading_zeros_removed")]
    assert batch.errors[0]["message"].startswith(hint)
    assert Partner.objects.get(pk=customers["00123"].pk).code == "00123"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, hint",
    [
        ("es", f"Excel quitó los ceros a la izquierda de esta identificación tributaria (¿{RUC_WITH_ZERO}?)"),
        ("en", f"Excel removed the leading zeros of this tax ID ({RUC_WITH_ZERO}?)"),
    ],
)
def test_a_tax_id_without_its_zero_is_refused_with_a_hint(acme, language, hint):
    row = supplier_row(1, **{"Tax ID": int(RUC_WITH_ZERO)})
    with translation.override(language):
        batch = run(acme, ImportBatch.Kind.SUPPLIERS, xlsx([row], SUPPLIERS_HEADER))
    assert errors_of(batch) == [(2, "tax_id", "leading_zeros_removed")]
    assert batch.errors[0]["message"].startswith(hint)


@pytest.mark.parametrize("kind", ["customers", "customer_users", "suppliers"])
def test_the_templates_keep_every_column_as_text(kind):
    sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx(kind))).active
    for letter, dimension in sheet.column_dimensions.items():
        assert dimension.number_format == "@", letter
    assert sheet["A500"].number_format == "@"
