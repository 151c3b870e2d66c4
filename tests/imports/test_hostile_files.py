"""Hostile and broken files: each is read consistently or refused with a clear error, and a
refused or rejected file changes nothing. The corpus is made by make_hostile_files.py."""

import io

import pytest
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enlace.imports.models import ImportBatch
from enlace.imports.readers import FileError
from enlace.imports.services import import_file
from enlace.partners.models import Company, Partner
from tests.imports.make_hostile_files import valid_xlsx, write_corpus

REFUSED = object()
READ = object()

EXPECTED = {
    "xlsx_renamed.csv": READ,  # the bytes say workbook: read as one
    "csv_renamed.xlsx": READ,  # the bytes say text: read as CSV
    "pdf_renamed.xlsx": REFUSED,
    "macros.xlsm": REFUSED,
    "encrypted.xlsx": REFUSED,
    "empty.csv": REFUSED,
    "not_a_workbook.xlsx": REFUSED,
    "zip_bomb.xlsx": REFUSED,
    "huge_dimension.xlsx": REFUSED,
    "billion_laughs.xlsx": REFUSED,
    "external_entity.xlsx": REFUSED,
    "quoted_newlines.csv": READ,
    "mixed_line_endings.csv": READ,
    "unknown_encoding.csv": REFUSED,
    "nul_bytes.csv": REFUSED,  # no database text can hold a NUL: refused, with the row
    "ragged.csv": None,
}
CORPUS = {path.name: path for path in write_corpus()}


def outcome_of(organization, data: bytes, name: str):
    """The importer's contract: a batch or a FileError, nothing else; a refused or rejected file
    leaves no partner, company, batch row of its own data, nor task behind."""
    before = (Partner.objects.count(), Company.objects.count(), DBTaskResult.objects.count())
    try:
        batch = import_file(organization=organization, kind="suppliers", file=io.BytesIO(data), filename=name)
    except FileError as error:
        assert str(error.message)
        outcome = REFUSED
    else:
        outcome = READ
        if batch.status != ImportBatch.Status.APPLIED:
            assert batch.errors
    if outcome is REFUSED or batch.status != ImportBatch.Status.APPLIED:
        assert (Partner.objects.count(), Company.objects.count(), DBTaskResult.objects.count()) == before
    return outcome


def test_the_corpus_covers_every_expected_file():
    assert set(CORPUS) == set(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_hostile_file_is_read_consistently_or_refused(acme, name):
    outcome = outcome_of(acme, CORPUS[name].read_bytes(), name)
    if EXPECTED[name] is not None:
        assert outcome is EXPECTED[name], name


cells = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
@given(
    rows=st.lists(st.lists(cells, max_size=6), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    header=st.booleans(),
)
def test_random_csv_files_keep_the_contract(acme, rows, delimiter, encoding, header):
    lines = [["Tax ID", "Name", "Email", "Notify"]] if header else []
    text = "\n".join(delimiter.join(row) for row in lines + rows)
    data = text.encode(encoding, errors="replace")
    outcome_of(acme, data, "random.csv")


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8))
def test_mutated_workbooks_keep_the_contract(acme, flips):
    data = bytearray(valid_xlsx())
    for position, value in flips:
        data[position % len(data)] = value
    outcome_of(acme, bytes(data), "mutated.xlsx")
