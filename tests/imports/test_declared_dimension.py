"""A spreadsheet that declares a size past the limits is refused on the upload, with the message
`enlace import` gives, rather than queued for the worker to refuse later."""

import io
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from enlace.api.keys import create_api_key
from enlace.imports.models import ImportBatch
from tests.api.conftest import error_of
from tests.imports.helpers import CUSTOMER_USERS_HEADER, person, xlsx

pytestmark = pytest.mark.django_db(databases="__all__")


def declaring(reference: str) -> io.BytesIO:
    """A small workbook whose sheet says it spans `reference` (as a hostile file can)."""
    source = zipfile.ZipFile(xlsx([person(1)], CUSTOMER_USERS_HEADER))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{reference}"'.encode(), data)
                assert reference.encode() in data
            target.writestr(entry, data)
    output.seek(0)
    output.name = "people.xlsx"
    return output


def cli_message(tmp_path, reference) -> str:
    path = tmp_path / "people.xlsx"
    path.write_bytes(declaring(reference).getvalue())
    with pytest.raises(CommandError) as error:
        call_command("import", "customer-users", str(path), "--org", "acme")
    return str(error.value).split(": ", 1)[1]


@pytest.mark.parametrize("reference", ["A1:XFD1048576", "A1:E1048576"])
def test_the_page_refuses_it_at_once_with_the_commands_message(alice_client, customer, tmp_path, reference):
    message = cli_message(tmp_path, reference)  # in Acme's language, Spanish
    alice_client.cookies["django_language"] = "es"
    response = alice_client.post(
        reverse("imports:upload", args=["customer-users"]), {"file": declaring(reference)}
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert "límite" in message
    assert not ImportBatch.objects.exists() and not DBTaskResult.objects.exists()


def test_the_english_page_says_it_in_english(alice_client, customer):
    alice_client.cookies["django_language"] = "en"
    response = alice_client.post(
        reverse("imports:upload", args=["customer-users"]), {"file": declaring("A1:XFD1048576")}
    )
    assert response.status_code == 400
    assert "The file has more than the limit of 50 columns." in response.content.decode()


def test_the_api_refuses_it_at_once_too(acme, alice, customer):
    _api_key, key = create_api_key(organization=acme, name="ERP", by=alice)
    response = Client().post(
        "/api/v1/imports",
        {"kind": "customer_users", "file": declaring("A1:XFD1048576")},
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert error_of(response, 400)["code"] == "too_many_columns"
    assert not ImportBatch.objects.exists() and not DBTaskResult.objects.exists()
