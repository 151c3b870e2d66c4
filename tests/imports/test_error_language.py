"""A rejected import's errors are kept as codes with their parameters and worded when read: the
admin who uploaded in Spanish and then switched to English reads them in English, on the page,
in the annotated file and through the API."""

import io

import openpyxl
import pytest
from django.urls import reverse

from enlace.api.keys import create_api_key
from enlace.imports.models import ImportBatch, batch_error
from tests.imports.helpers import CUSTOMER_USERS_HEADER, CUSTOMERS_HEADER, csv_file, customer_row, person

SPANISH = [
    "No existe un cliente con el código NOPE.",
    "Ingrese un correo electrónico válido.",
    "Correo electrónico",
]
ENGLISH = ["There is no customer with code NOPE.", "Enter a valid email address.", "Email"]


def upload(browser, slug, rows, header):
    file = csv_file(rows, header)
    file.name = "people.csv"
    browser.post(reverse("imports:upload", args=[slug]), {"file": file})
    return ImportBatch.objects.latest("pk")


def page_in(browser, batch, language) -> str:
    browser.cookies["django_language"] = language
    return browser.get(reverse("imports:batch_detail", args=[batch.pk])).content.decode()


@pytest.fixture
def rejected(alice_client, customer):
    alice_client.cookies["django_language"] = "es"
    rows = [person(1), person(2, Email="wrong"), person(3, code="NOPE")]
    batch = upload(alice_client, "customer-users", rows, CUSTOMER_USERS_HEADER)
    assert batch.status == "rejected"
    return batch


def test_the_error_table_speaks_the_reader_s_language(alice_client, rejected):
    spanish, english = page_in(alice_client, rejected, "es"), page_in(alice_client, rejected, "en")
    assert all(text in spanish for text in SPANISH)
    assert all(text in english for text in ENGLISH)
    assert not any(text in english for text in SPANISH[:2])


def test_the_annotated_file_speaks_the_reader_s_language(alice_client, rejected):
    alice_client.cookies["django_language"] = "en"
    report = alice_client.get(reverse("imports:error_report", args=[rejected.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0]
    errors = sheet.cell(1, sheet.max_column).value, sheet.cell(3, sheet.max_column).value
    assert errors == ("Errors", "Email: Enter a valid email address.")
    assert sheet.cell(4, sheet.max_column).value == "Customer code: There is no customer with code NOPE."


def test_the_api_words_errors_in_the_caller_s_language(acme, alice, rejected, client):
    _, key = create_api_key(organization=acme, name="ERP", by=alice)
    response = client.get(
        f"/api/v1/imports/{rejected.pk}", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en"
    )
    messages = [error["message"] for error in response.json()["errors"]]
    assert messages == ["Enter a valid email address.", "There is no customer with code NOPE."]


def test_a_tax_id_refusal_is_worded_again_by_its_rule(alice_client, acme):
    alice_client.cookies["django_language"] = "es"
    batch = upload(
        alice_client, "customers", [customer_row(1, **{"Tax ID": "1790012345009"})], CUSTOMERS_HEADER
    )
    spanish, english = page_in(alice_client, batch, "es"), page_in(alice_client, batch, "en")
    assert "RUC válido de Ecuador" in spanish and "RUC válido de Ecuador" not in english
    assert "This is not a valid RUC of Ecuador." in english


def test_an_error_stored_as_text_before_codes_had_parameters_keeps_its_text(alice_client, acme):
    old = batch_error(code="customer_not_found", message="No existe un cliente con el código X1.", row=2)
    del old["params"]
    batch = ImportBatch.objects.create(
        organization=acme, kind="customer_users", filename="old.csv", status="rejected", errors=[old]
    )
    assert "No existe un cliente con el código X1." in page_in(alice_client, batch, "en")
