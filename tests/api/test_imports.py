"""The ERP uploads import files and reads their outcome, with the Imports page's rules."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enlace.imports.models import ImportBatch
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from tests.api.conftest import error_of


def csv_file(rows):
    lines = ["Code;Tax ID;Name;Email"] + [";".join(row) for row in rows]
    return SimpleUploadedFile("clientes.csv", "\n".join(lines).encode("utf-8"), content_type="text/csv")


def upload(api, file, **fields):
    return api.client.post(
        "/api/v1/imports",
        {"kind": "customers", "file": file, **fields},
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )


@pytest.mark.django_db
def test_an_accepted_file_is_applied_and_its_batch_can_be_read(api, acme):
    response = upload(
        api, csv_file([["K1", ec_ruc(401), "Uno", "uno@k.example"], ["K2", ec_ruc(402), "Dos", ""]])
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["rows"], body["created"]) == ("applied", 2, 2)
    assert Partner.objects.filter(organization=acme, kind="customer").count() == 2
    assert api.get(f"/imports/{body['id']}").json()["status"] == "applied"


@pytest.mark.django_db
def test_a_file_with_a_bad_row_changes_nothing_and_lists_the_error(api, acme):
    response = upload(api, csv_file([["K1", ec_ruc(401), "Uno", ""], ["K2", "123", "Dos", ""]]))
    body = response.json()
    assert body["status"] == "rejected" and [e["row"] for e in body["errors"]] == [3]
    assert not Partner.objects.filter(organization=acme).exists()


@pytest.mark.django_db
def test_a_dry_run_writes_nothing(api, acme):
    body = upload(api, csv_file([["K1", ec_ruc(401), "Uno", ""]]), dry_run="true").json()
    assert body["id"] is None and body["status"] != "rejected"
    assert not Partner.objects.exists() and not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_an_unreadable_file_is_a_clear_error(api):
    error_of(upload(api, SimpleUploadedFile("x.xlsx", b"%PDF-1.4 not a workbook")), 400)


@pytest.mark.django_db
def test_another_organizations_batch_is_a_404(api, globex_api, acme):
    batch_id = upload(api, csv_file([["K1", ec_ruc(401), "Uno", ""]])).json()["id"]
    error_of(globex_api.get(f"/imports/{batch_id}"), 404)
