"""The ERP uploads import files and reads their outcome, with the Imports page's rules."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enlace.imports.models import ImportBatch
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from tests.api.conftest import error_of
from tests.conftest import run_worker


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


@pytest.mark.django_db(databases="__all__")  # the worker's progress has its own connection on PostgreSQL
def test_a_large_file_is_accepted_for_the_worker_and_its_progress_can_be_followed(api, acme, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    rows = [[f"K{n}", ec_ruc(400 + n), f"Cliente {n}", ""] for n in range(1, 6)]
    response = upload(api, csv_file(rows))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["progress"]["stage"] == "waiting"
    assert not Partner.objects.filter(organization=acme).exists()

    run_worker()

    body = api.get(f"/imports/{body['id']}").json()
    assert (body["status"], body["rows"], body["created"], body["progress"]) == ("applied", 5, 5, None)
    assert Partner.objects.filter(organization=acme, kind="customer").count() == 5


@pytest.mark.django_db
def test_a_dry_run_of_a_large_file_is_answered_at_once(api, acme, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    rows = [[f"K{n}", ec_ruc(400 + n), f"Cliente {n}", ""] for n in range(1, 6)]
    response = upload(api, csv_file(rows), dry_run="true")
    assert response.status_code == 201 and response.json()["rows"] == 5
    assert not ImportBatch.objects.exists()
