"""Spreadsheets are parsed in a child process with a memory and a time limit: a file that makes
the parser crash, hang or eat memory is one clear error, and this process carries on."""

import io
import os
import time

import pytest
from openpyxl import Workbook

from enlace.imports import readers
from enlace.imports.columns import COLUMNS
from enlace.imports.readers import FileError, read_rows
from enlace.imports.services import import_file


def workbook(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


HEADER = ["Code", "Tax ID", "Name"]


def test_rows_come_back_from_the_child_with_their_excel_numbers():
    reader = read_rows(
        workbook([HEADER, ["K1", "1700000019001", "Uno"], [], ["K2", 1700000027001, "Dos"]]),
        "c.xlsx",
        columns=COLUMNS["customers"],
    )
    assert [(n, row["code"], row["tax_id"]) for n, row in reader] == [
        (2, "K1", "1700000019001"),
        (4, "K2", "1700000027001"),
    ]


def test_a_parser_that_exceeds_its_memory_is_one_clear_error(settings):
    # 20,000 rows of long cells need far more than 30 MB once calamine has loaded the sheet.
    rows = [HEADER] + [[f"K{n}", "x" * 900, "y" * 900] for n in range(20000)]
    big = workbook(rows)
    assert len(list(read_rows(big, "c.xlsx", columns=COLUMNS["customers"]))) == 20000
    settings.IMPORT_PARSE_MEMORY_MB = 30
    big.seek(0)
    with pytest.raises(FileError) as error:
        list(read_rows(big, "c.xlsx", columns=COLUMNS["customers"]))
    assert error.value.code in {"parse_failed", "corrupt_file"}


def test_a_parser_that_hangs_is_stopped(settings, monkeypatch):
    settings.IMPORT_PARSE_SECONDS = 1
    # A child that never answers stands in for calamine stuck on a file.
    monkeypatch.setattr(readers.sys, "executable", "/bin/sleep")
    monkeypatch.setattr(readers, "child_arguments", lambda: ["30"])
    with pytest.raises(FileError) as error:
        list(read_rows(workbook([HEADER]), "c.xlsx", columns=COLUMNS["customers"]))
    assert error.value.code == "parse_failed"


def test_the_parser_gets_no_secrets_from_the_environment(monkeypatch):
    monkeypatch.setenv("ENLACE_SECRET_KEY", "do-not-leak")
    env = readers.child_environment()
    assert "ENLACE_SECRET_KEY" not in env and set(env) <= {"PATH", "PYTHONPATH"}
    assert os.environ["ENLACE_SECRET_KEY"] == "do-not-leak"


def test_the_time_limit_is_for_parsing_not_for_a_long_validation(settings):
    # A million-row sheet takes minutes to validate while the child hands rows over: the
    # wall-clock limit must not cut it short once the sheet has been read. 5,000 rows are
    # more than the pipe holds, so the child is still writing while the reader waits.
    settings.IMPORT_PARSE_SECONDS = 1
    rows = [HEADER] + [[f"K{n}", "1700000019001", "Uno"] for n in range(5000)]
    reader = read_rows(workbook(rows), "c.xlsx", columns=COLUMNS["customers"])
    codes = []
    for _number, row in reader:
        if not codes:
            time.sleep(2)  # a slow validator, past the 1 s limit
        codes.append(row["code"])
    assert codes == [f"K{n}" for n in range(5000)]


def test_a_sheet_refused_halfway_ends_its_parsing_process(monkeypatch, settings, acme):
    children = []
    popen = readers.subprocess.Popen

    def spy(*args, **kwargs):
        children.append(popen(*args, **kwargs))
        return children[-1]

    monkeypatch.setattr(readers.subprocess, "Popen", spy)
    settings.IMPORT_MAX_CELL_LENGTH = 20
    rows = [HEADER] + [[f"K{n}", "1700000019001", "Uno"] for n in range(5000)]
    rows[3][2] = "U" * 21  # refused at row 4, while the child still has thousands to hand over

    with pytest.raises(FileError) as error:
        import_file(organization=acme, kind="customers", file=workbook(rows), filename="c.xlsx")

    assert error.value.code == "cell_too_long"
    assert children[0].wait(timeout=5) is not None
