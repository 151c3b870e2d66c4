"""Text for spreadsheet cells: what openpyxl refuses is dropped, formulas stay text, and every
workbook Enlace writes goes through it."""

import io
import re
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

import enlace
from enlace.lib.cells import cell_text, csv_safe, put_text

CONTROL = "".join(chr(c) for c in range(0x20))


def test_control_characters_openpyxl_refuses_are_dropped_and_tab_and_line_breaks_kept():
    assert cell_text("a" + CONTROL + "ñ") == "a\t\n\rñ"
    assert cell_text(None) == "" and cell_text(12) == "12"


def test_text_that_looks_like_a_formula_stays_text_in_a_workbook():
    workbook = Workbook()
    sheet = workbook.active
    put_text(sheet.cell(row=1, column=1), '=HYPERLINK("http://x")\x01')
    write_only = Workbook(write_only=True)
    other = write_only.create_sheet()
    other.append([put_text(WriteOnlyCell(other), "=1+1\x07")])
    for book in (workbook, write_only):
        buffer = io.BytesIO()
        book.save(buffer)
        cell = load_workbook(buffer).worksheets[0]["A1"]
        assert cell.data_type == "s" and cell.value in ('=HYPERLINK("http://x")', "=1+1")
    assert csv_safe("=1+1") == "'=1+1" and csv_safe("Ana") == "Ana"


def test_every_module_that_writes_a_workbook_writes_its_text_through_cells():
    root = Path(enlace.__file__).parent
    writers = [
        path
        for path in root.rglob("*.py")
        if re.search(r"^from openpyxl import .*\bWorkbook\b", path.read_text(), re.M)
    ]
    assert {p.name for p in writers} >= {"spreadsheets.py", "exports.py"}
    for path in writers:
        assert "from enlace.lib import cells" in path.read_text() or "from enlace.lib.cells import" in (
            path.read_text()
        ), path
