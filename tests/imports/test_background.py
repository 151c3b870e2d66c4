"""Large files: queued with their task, processed by the worker with progress, and their outcome
shown on the same page; a failure leaves nothing written and says so."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from enlace.accounts.models import User
from enlace.imports import services
from enlace.imports.background import fail_abandoned_imports, queue_import
from enlace.imports.models import ImportBatch
from enlace.imports.progress import ProgressRecorder, batch_progress, read_progress
from enlace.imports.readers import estimate_rows
from enlace.imports.services import process_queued_batch
from enlace.invitations.models import Invitation
from tests.conftest import run_worker
from tests.imports.helpers import CUSTOMER_USERS_HEADER, csv_file, person, xlsx

# Every test here may run the import task, which writes progress through its own connection on
# PostgreSQL (the `progress` alias); on SQLite there is only `default`.
pytestmark = pytest.mark.django_db(databases="__all__")
IMPORT_TASK = "enlace.imports.tasks.process_import"


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.IMPORT_BACKGROUND_ROWS = 5


def people(count, **overrides):
    upload = csv_file([person(n, **overrides) for n in range(1, count + 1)], CUSTOMER_USERS_HEADER)
    upload.name = "people.csv"
    return upload


def customer_users():
    return User.objects.filter(profile=User.Profile.CUSTOMER)


def test_a_large_upload_is_queued_with_its_task_and_nothing_is_applied_yet(alice_client, customer):
    response = alice_client.post(reverse("imports:upload", args=["customer-users"]), {"file": people(8)})

    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:batch_detail", args=[batch.pk])
    assert batch.status == ImportBatch.Status.QUEUED and batch.file
    task = DBTaskResult.objects.get(task_path=IMPORT_TASK)
    assert str(task.pk) == batch.task_id and task.args_kwargs["args"] == [batch.pk]
    assert not customer_users().exists() and not Invitation.objects.exists()

    page = alice_client.get(response.url).content.decode()
    assert "<progress" in page and 'hx-trigger="every 1s"' in page
    listing = alice_client.get(reverse("imports:batch_list")).content.decode()
    assert "import-queued" in listing


def test_the_worker_applies_it_and_the_polled_page_shows_the_outcome_and_stops_polling(
    alice_client, customer
):
    alice_client.post(reverse("imports:upload", args=["customer-users"]), {"file": people(8)})
    batch = ImportBatch.objects.get()
    url = reverse("imports:batch_detail", args=[batch.pk])
    assert alice_client.get(url, HTTP_HX_REQUEST="true").status_code == 200  # still running: poll again

    run_worker()

    batch.refresh_from_db()
    assert (batch.status, batch.rows, batch.created, batch.invitations) == ("applied", 8, 8, 8)
    assert customer_users().count() == 8 and Invitation.objects.count() == 8
    counts = read_progress(batch.pk)
    assert (counts["read"], counts["validated"], counts["applied"], counts["queued"]) == (8, 8, 8, 8)
    poll = alice_client.get(url, HTTP_HX_REQUEST="true")
    assert poll.status_code == 286  # htmx stops polling
    assert "<progress" not in poll.content.decode() and "<html" not in poll.content.decode()
    page = alice_client.get(url).content.decode()
    assert "hx-trigger" not in page
    assert "invitations queued" in page or "invitaciones en cola" in page


def test_a_large_file_with_errors_is_rejected_by_the_worker_with_its_annotated_file(alice_client, customer):
    upload = people(8)
    rows = [person(n) for n in range(1, 9)]
    rows[2] = person(3, Email="wrong")
    upload = csv_file(rows, CUSTOMER_USERS_HEADER)
    upload.name = "people.csv"
    alice_client.post(reverse("imports:upload", args=["customer-users"]), {"file": upload})
    run_worker()

    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED
    assert [(e["row"], e["code"]) for e in batch.errors] == [(4, "invalid_email")]
    assert not customer_users().exists()
    report = alice_client.get(reverse("imports:error_report", args=[batch.pk]))
    assert report.status_code == 200


def test_a_large_csv_with_a_wrong_column_is_refused_on_the_form_at_once(alice_client, customer):
    upload = csv_file(
        [person(n) for n in range(1, 9)], ["Customer code", "Nombre raro", *CUSTOMER_USERS_HEADER[2:]]
    )
    upload.name = "people.csv"
    response = alice_client.post(reverse("imports:upload", args=["customer-users"]), {"file": upload})
    assert response.status_code == 400 and "Nombre raro" in response.content.decode()
    assert not ImportBatch.objects.exists() and not DBTaskResult.objects.exists()


def test_a_large_file_the_worker_cannot_read_fails_with_the_reason(customer, alice):
    workbook = xlsx(
        [person(n) for n in range(1, 9)], ["Customer code", "Nombre raro", *CUSTOMER_USERS_HEADER[2:]]
    )
    batch = queue_import(
        organization=customer.organization, kind="customer_users", file=workbook, filename="p.xlsx", by=alice
    )
    run_worker()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert [e["code"] for e in batch.errors] == ["unknown_column"]
    assert "Nombre raro" in batch.errors[0]["message"]


def test_a_small_upload_is_still_applied_in_the_request(alice_client, customer, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2_000
    alice_client.post(reverse("imports:upload", args=["customer-users"]), {"file": people(8)})
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.task_id) == ("applied", "")
    assert not DBTaskResult.objects.filter(task_path=IMPORT_TASK).exists()
    assert customer_users().count() == 8


def test_an_apply_that_the_database_refuses_leaves_nothing_and_says_so(
    alice_client, customer, alice, monkeypatch
):
    validate = services.validate_batch

    def validate_then_someone_takes_an_email(**kwargs):
        validator = validate(**kwargs)
        User.objects.create(
            username="persona5@cliente.example",
            email="persona5@cliente.example",
            organization=customer.organization,
        )
        return validator

    monkeypatch.setattr(services, "validate_batch", validate_then_someone_takes_an_email)
    alice_client.post(reverse("imports:upload", args=["customer-users"]), {"file": people(8)})
    run_worker()

    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert [e["code"] for e in batch.errors] == ["conflict"]
    assert customer_users().count() == 0 and Invitation.objects.count() == 0
    page = alice_client.get(reverse("imports:batch_detail", args=[batch.pk])).content.decode()
    assert "Súbalo otra vez" in page or "Upload it again" in page


def test_an_unexpected_error_fails_the_batch_and_the_task_and_writes_nothing(customer, alice, monkeypatch):
    def broken(**kwargs):
        User.objects.create(username="half@cliente.example", email="half@cliente.example")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "apply_or_fail", broken)
    batch = queue_import(
        organization=customer.organization, kind="customer_users", file=people(8), filename="p.csv", by=alice
    )
    run_worker()

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert [e["code"] for e in batch.errors] == ["unexpected"]
    assert not User.objects.filter(email="half@cliente.example").exists()  # rolled back
    assert DBTaskResult.objects.get(pk=batch.task_id).status == TaskResultStatus.FAILED


def test_a_task_run_again_after_it_finished_changes_nothing(customer, alice):
    batch = queue_import(
        organization=customer.organization, kind="customer_users", file=people(8), filename="p.csv", by=alice
    )
    run_worker()
    again = process_queued_batch(batch_id=batch.pk)
    assert again.status == ImportBatch.Status.APPLIED
    assert customer_users().count() == 8 and Invitation.objects.count() == 8


def test_a_batch_whose_task_gave_up_is_marked_failed(customer, alice):
    batch = queue_import(
        organization=customer.organization, kind="customer_users", file=people(8), filename="p.csv", by=alice
    )
    waiting = queue_import(
        organization=customer.organization, kind="customer_users", file=people(8), filename="p.csv", by=alice
    )
    # What recovery does to a task whose worker died every time it ran it.
    DBTaskResult.objects.filter(pk=batch.task_id).update(status=TaskResultStatus.FAILED)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.APPLYING)

    assert fail_abandoned_imports() == 1
    batch.refresh_from_db()
    waiting.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert [e["code"] for e in batch.errors] == ["interrupted"]
    assert waiting.status == ImportBatch.Status.QUEUED


def test_the_page_shows_the_stage_and_counts_recorded_by_the_worker(alice_client, customer, alice):
    batch = queue_import(
        organization=customer.organization, kind="customer_users", file=people(8), filename="p.csv", by=alice
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.APPLYING)
    progress = ProgressRecorder(batch.pk, expected_rows=3000)
    progress("read", 3000, 3000)
    progress("validated", 3000, 3000)
    progress("applied", 1000, 3000)
    batch.refresh_from_db()
    assert batch_progress(batch)["percent"] == 33

    alice_client.cookies["django_language"] = "en"
    poll = alice_client.get(
        reverse("imports:batch_detail", args=[batch.pk]), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'max="3000" value="1000"' in poll
    assert "1,000 of 3,000 (33%)" in poll and "Writing the rows" in poll
    alice_client.cookies["django_language"] = "es"
    poll = alice_client.get(
        reverse("imports:batch_detail", args=[batch.pk]), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "1\xa0000 de 3\xa0000 (33%)" in poll and "Escribiendo las filas" in poll


def test_rows_are_estimated_without_parsing(tmp_path):
    assert estimate_rows(people(8)) == 8
    assert estimate_rows(xlsx([person(n) for n in range(30)], CUSTOMER_USERS_HEADER)) == 30
    assert estimate_rows(people(50), at_most=10) > 10  # past the limit is all the upload needs to know
    assert estimate_rows(io.BytesIO(b"PK\x03\x04 not really a zip")) == 0
    workbook = openpyxl.Workbook()
    workbook.active.append(CUSTOMER_USERS_HEADER)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert estimate_rows(buffer) == 0


def test_the_progress_store_is_chosen_by_the_cache_and_the_database(tmp_path):
    from enlace.lib.env import progress_cache_settings

    sqlite, postgres = "django.db.backends.sqlite3", "django.db.backends.postgresql"
    assert progress_cache_settings("redis://r:6379/0", postgres, tmp_path)["BACKEND"].endswith("RedisCache")
    assert progress_cache_settings("db://", postgres, tmp_path)["BACKEND"].endswith("DatabaseCache")
    on_sqlite = progress_cache_settings("db://", sqlite, tmp_path)
    assert on_sqlite["BACKEND"].endswith("FileBasedCache")
    assert on_sqlite["LOCATION"] == str(tmp_path / "import-progress")


def test_a_broken_progress_store_never_stops_an_import(customer, alice, settings):
    settings.CACHES = {
        **settings.CACHES,
        "import_progress": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    batch = queue_import(
        organization=customer.organization, kind="customer_users", file=people(8), filename="p.csv", by=alice
    )
    assert read_progress(batch.pk) is None
    run_worker()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and customer_users().count() == 8
