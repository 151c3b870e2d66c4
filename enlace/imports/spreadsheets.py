"""Files the imports hand out: the templates to fill, and a rejected file with its errors.

Every cell is written as text (enlace.lib.cells), so a value such as `=HYPERLINK(...)` taken
from an upload is shown, never evaluated, when the admin opens the file, and a control character
in an upload is dropped rather than failing the download.
"""

import csv
import io
from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from enlace.imports.columns import COLUMNS
from enlace.imports.readers import read_rows
from enlace.imports.wording import worded_batch_errors
from enlace.lib import cells

HEADER_FONT = Font(bold=True)
EXAMPLE_FONT = Font(italic=True, color="6B7280")
BAD_CELL = PatternFill("solid", start_color="FDE2E1", end_color="FDE2E1")
TEXT = "@"

INSTRUCTIONS = {
    "customers": gettext_noop(
        "One row per customer. The Code is your own code for it (as in your ERP): loading a file "
        "again updates the customers with those codes instead of adding them twice."
    ),
    "customer_users": gettext_noop(
        "One row per person. The customer code must already be in your customer list. Each "
        "person receives an email with a link to register, valid for 48 hours."
    ),
    "suppliers": gettext_noop(
        "One row per supplier. A supplier already in your list (same tax ID) is updated. Notify: "
        "1 to send the supplier an invitation with its activation code, 0 not to."
    ),
}


def put_text(sheet, row, column, value):
    # Never a formula, whatever the text starts with, and without what a workbook cannot hold.
    return cells.put_text(sheet.cell(row=row, column=column), value)


def header_label(column) -> str:
    return f"{column.label}*" if column.required else str(column.label)


def template_xlsx(kind) -> bytes:
    """The import template in the active language: header, an example row the importer
    skips when it is left in, and an instructions sheet."""
    columns = COLUMNS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Data")[:31]
    for index, column in enumerate(columns, start=1):
        put_text(sheet, 1, index, header_label(column)).font = HEADER_FONT
        put_text(sheet, 2, index, column.example).font = EXAMPLE_FONT
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        # Typed values stay text: codes and tax IDs keep their leading zeros, in the whole
        # column (its style) and in the first thousand cells (which Excel reads first).
        sheet.column_dimensions[letter].number_format = TEXT
        for row in range(2, 1002):
            sheet[f"{letter}{row}"].number_format = TEXT
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(_("Instructions")[:31])
    lines = [
        _(INSTRUCTIONS[kind]),
        _("Columns marked with * are required. The example row in italics is ignored if you leave it."),
        _("Empty rows are skipped. Save as .xlsx or .csv (UTF-8, comma or semicolon)."),
        "",
    ]
    lines += [f"{header_label(c)}" for c in columns]
    for number, line in enumerate(lines, start=1):
        put_text(notes, number, 1, line)
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(kind, *, delimiter=",") -> bytes:
    """The header row and example row as CSV, UTF-8 with a BOM so Excel reads the accents."""
    columns = COLUMNS[kind]
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([header_label(c) for c in columns])
    writer.writerow([c.example for c in columns])
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def error_report_xlsx(batch, file) -> bytes:
    """The uploaded rows back, each at its own row number, with an Errors column and the bad
    cells highlighted (each with its message as a note)."""
    columns = COLUMNS[batch.kind]
    by_row = defaultdict(list)
    for error in worded_batch_errors(batch):
        by_row[error["row"]].append(error)
    reader = read_rows(file, batch.filename, columns=columns)
    keys = [c.key for c in columns if c.key in reader.present.values()]
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _("Data")[:31]
    position = {key: index for index, key in enumerate(keys, start=1)}
    errors_column = len(keys) + 1
    labels = {c.key: c for c in columns}
    for key, index in position.items():
        put_text(sheet, 1, index, header_label(labels[key])).font = HEADER_FONT
        sheet.column_dimensions[get_column_letter(index)].width = labels[key].width
    put_text(sheet, 1, errors_column, _("Errors")).font = HEADER_FONT
    sheet.column_dimensions[get_column_letter(errors_column)].width = 60
    for number, row in reader:
        for key, index in position.items():
            put_text(sheet, number, index, row.get(key, ""))
        errors = by_row.get(number)
        if errors:
            put_text(
                sheet, number, errors_column, "; ".join(f"{e['column']}: {e['message']}" for e in errors)
            )
            for error in errors:
                if error["key"] in position:
                    cell = sheet.cell(row=number, column=position[error["key"]])
                    cell.fill = BAD_CELL
                    cell.comment = Comment(cells.cell_text(error["message"]), "Enlace")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
