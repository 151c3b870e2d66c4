"""The import pages: template round trip, the result page and the annotated error file."""

import io

import openpyxl
import pytest
from django.urls import reverse

from enlace.accounts.models import User
from enlace.imports.models import ImportBatch
from tests.imports.helpers import CUSTOMER_USERS_HEADER, csv_file, person, xlsx


def fill_template(content, rows):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append(row)  # after the example row, which is left in
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "filled.xlsx"
    return buffer


@pytest.mark.parametrize("language", ["es", "en"])
def test_template_round_trip(alice_client, customer, language):
    alice_client.cookies["django_language"] = language
    response = alice_client.get(
        reverse("imports:template", args=["customer-users", "xlsx"]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    header = [cell.value for cell in workbook.worksheets[0][1]]
    assert header[0] == ("Código de cliente*" if language == "es" else "Customer code*")
    assert header[-1] in ("Teléfono", "Phone")  # optional: no mark
    assert len(workbook.worksheets) == 2  # data and instructions

    upload = fill_template(response.content, [person(1), person(2)])
    response = alice_client.post(reverse("imports:upload", args=["customer-users"]), {"file": upload})

    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:batch_detail", args=[batch.pk])
    assert (batch.status, batch.rows, batch.invitations) == ("applied", 2, 2)  # the example row was skipped
    page = alice_client.get(response.url)
    assert b"invitations queued" in page.content or b"invitaciones en cola" in page.content


def test_csv_template_has_the_header_and_example_in_the_organizations_excel_habits(alice_client, acme):
    # A Spanish-speaking organization's Excel opens `;`-separated UTF-8 (with a BOM) as columns.
    alice_client.cookies["django_language"] = "en"
    response = alice_client.get(
        reverse("imports:template", args=["suppliers", "csv"]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Tax ID*;Name*;Description")
    assert text.splitlines()[0].endswith("Notify*")
    acme.language = "en"
    acme.save()
    response = alice_client.get(reverse("imports:template", args=["suppliers", "csv"]))
    assert response.content.decode("utf-8-sig").splitlines()[0].startswith("Tax ID*,Name*,Description")


def test_a_rejected_file_shows_its_errors_and_comes_back_annotated(alice_client, customer):
    rows = [
        person(1),
        person(2, Email="wrong"),
        person(3, **{"First names": '=HYPERLINK("http://x")'}, code="NOPE"),
    ]
    upload = csv_file(rows, CUSTOMER_USERS_HEADER)
    upload.name = "people.csv"
    response = alice_client.post(
        reverse("imports:upload", args=["customer-users"]), {"file": upload}, follow=True
    )

    assert "wrong" in response.content.decode()
    assert not User.objects.filter(profile="customer").exists()
    batch = ImportBatch.objects.get()
    report = alice_client.get(reverse("imports:error_report", args=[batch.pk]))
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0]
    errors_column = sheet.max_column
    assert sheet.cell(1, errors_column).value in ("Errores", "Errors")
    assert sheet.cell(2, errors_column).value is None
    assert sheet.cell(3, 4).value == "wrong"
    assert sheet.cell(3, 4).fill.start_color.rgb.endswith("FDE2E1")
    assert sheet.cell(3, errors_column).value
    assert sheet.cell(2, 4).fill.fill_type is None
    # A value that looks like a formula comes back as text, never as a formula.
    assert sheet.cell(4, 2).value == '=HYPERLINK("http://x")'
    assert sheet.cell(4, 2).data_type == "s"


def test_a_file_that_cannot_be_read_is_an_error_on_the_form(alice_client):
    upload = io.BytesIO(b"%PDF-1.4 not a spreadsheet")
    upload.name = "people.xlsx"
    response = alice_client.post(reverse("imports:upload", args=["customer-users"]), {"file": upload})
    assert response.status_code == 400
    assert ImportBatch.objects.count() == 0


def test_pages_are_for_admins_of_the_organization_only(client, bob, charlie, alice_client, customer):
    upload = xlsx([person(1, Email="bad")], CUSTOMER_USERS_HEADER)
    upload.name = "p.xlsx"
    alice_client.post(reverse("imports:upload", args=["customer-users"]), {"file": upload})
    batch = ImportBatch.objects.get()
    client.force_login(bob)
    assert client.get(reverse("imports:batch_list")).status_code == 403
    client.force_login(charlie)
    assert client.get(reverse("imports:batch_detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("imports:error_report", args=[batch.pk])).status_code == 404
    assert alice_client.get(reverse("imports:batch_list")).status_code == 200
    assert alice_client.get(reverse("imports:upload", args=["nothing"])).status_code == 404
