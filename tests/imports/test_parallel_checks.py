"""Row checks in check processes: a large file's report is the one this process would make."""

import pytest
from django.utils import translation

from enlace.imports import checking
from enlace.imports.models import ImportBatch
from enlace.imports.services import import_file
from enlace.partners.models import Partner
from tests.imports.helpers import SUPPLIERS_HEADER, csv_file, supplier_row


def suppliers_file(count):
    rows = []
    for n in range(count):
        if n % 9 == 4:
            rows.append(supplier_row(n, **{"Tax ID": "179001234500"}))  # one digit short
        elif n % 11 == 7:
            rows.append(supplier_row(n, Email="ventas@", Notify="sí"))
        else:
            rows.append(supplier_row(n, Phone="02 245 6789" if n % 2 else ""))
    return csv_file(rows, SUPPLIERS_HEADER)


def import_suppliers(org, file):
    with translation.override("es"):
        return import_file(organization=org, kind=ImportBatch.Kind.SUPPLIERS, file=file, filename="s.csv")


@pytest.fixture
def check_pools(settings, monkeypatch):
    """Check processes from the 10th row on, in batches of 7 (so that both take turns)."""
    settings.IMPORT_PARALLEL_ROWS = 10
    settings.IMPORT_CHECK_PROCESSES = 2
    monkeypatch.setattr(checking, "BATCH", 7)
    pools = []
    original = checking.CheckPool

    def counted(*args, **kwargs):
        pool = original(*args, **kwargs)
        # Rows are checked here until every check process is up: wait for them, so that they take part.
        for checker in pool.processes:
            while not checker.ready.wait(0.05) and checker.process.poll() is None:
                pass
        pools.append(pool)
        return pool

    monkeypatch.setattr(checking, "CheckPool", counted)
    return pools


def test_the_check_processes_report_every_error_as_this_process_does_in_the_same_order(
    acme, settings, check_pools
):
    in_processes_batch = import_suppliers(acme, suppliers_file(100))
    settings.IMPORT_CHECK_PROCESSES = 1
    here_batch = import_suppliers(acme, suppliers_file(100))

    assert len(check_pools) == 1 and check_pools[0].sent == 13  # 90 rows in batches of 7
    assert not check_pools[0].broken
    assert in_processes_batch.status == here_batch.status == ImportBatch.Status.REJECTED
    assert in_processes_batch.rows == here_batch.rows == 100
    assert in_processes_batch.errors == here_batch.errors
    rows_with_errors = {e["row"] for e in in_processes_batch.errors}
    assert {6, 9, 96, 97} <= rows_with_errors  # before and after the check processes took over
    # Row 97 was checked by a check process, in the language of the import.
    (late,) = [e for e in in_processes_batch.errors if e["row"] == 97 and e["code"] == "invalid_notify"]
    assert late["message"].startswith("Escriba 1")
    assert not Partner.objects.exists()


def test_a_valid_file_checked_check_pools_is_applied_whole(acme, check_pools):
    rows = [supplier_row(n) for n in range(60)]
    batch = import_suppliers(acme, csv_file(rows, SUPPLIERS_HEADER))

    assert batch.status == ImportBatch.Status.APPLIED and batch.created == 60
    assert check_pools[0].sent == 8
    assert Partner.objects.filter(organization=acme).count() == 60


def test_when_the_check_processes_cannot_start_the_file_is_checked_here(
    acme, settings, check_pools, monkeypatch
):
    monkeypatch.setattr(checking, "CHECK_PROCESS_MODULE", "enlace.imports.no_such_module")
    dead = import_suppliers(acme, suppliers_file(100))
    settings.IMPORT_CHECK_PROCESSES = 1
    here = import_suppliers(acme, suppliers_file(100))

    assert check_pools[0].sent == 0  # never ready: every batch was checked here
    assert dead.errors == here.errors and dead.rows == 100


def test_a_check_process_that_dies_halfway_leaves_the_rest_to_this_process(
    acme, settings, check_pools, monkeypatch
):
    monkeypatch.setattr(checking, "CHECK_PROCESS_MODULE", "tests.imports.dying_check_process")
    dying = import_suppliers(acme, suppliers_file(100))
    settings.IMPORT_CHECK_PROCESSES = 1
    here = import_suppliers(acme, suppliers_file(100))

    assert check_pools[0].broken
    assert dying.errors == here.errors and dying.rows == 100


def test_the_check_processes_get_no_secret_of_this_process(settings, monkeypatch):
    monkeypatch.setenv("ENLACE_EMAIL_URL", "smtp://user:secret@mail.example:587")
    environment = checking.check_process_environment()

    assert environment["ENLACE_SECRET_KEY"] != settings.SECRET_KEY
    assert "ENLACE_EMAIL_URL" not in environment and "ENLACE_DATABASE_URL" not in environment
