"""Reads a spreadsheet in a child process, so that a file that crashes, hangs or bloats the
parser costs one rejected upload, never the web or worker process (see readers._workbook_rows).

Run as `python -m enlace.imports.sheet_child MAX_COLUMNS MAX_ROWS` with the file on stdin. It
imports no Django, to start fast. Output, one JSON value per line: first ["ok"] or
["error", code], then lists of up to ROWS_PER_LINE [row number, [cell texts...]], the rows of the
first sheet in order (a line per row costs both processes more than the JSON itself).
"""

import datetime
import io
import json
import sys

ROWS_PER_LINE = 500


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def main(max_columns: int, max_rows: int) -> None:
    from python_calamine import CalamineWorkbook

    out = sys.stdout
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
        sheet = workbook.get_sheet_by_index(0)
    except Exception:
        out.write(json.dumps(["error", "corrupt_file"]) + "\n")
        return
    if sheet.width > max_columns:
        out.write(json.dumps(["error", "too_many_columns"]) + "\n")
        return
    if sheet.height > max_rows + 1:
        out.write(json.dumps(["error", "too_many_rows"]) + "\n")
        return
    out.write(json.dumps(["ok"]) + "\n")
    first_row = (sheet.start or (0, 0))[0] + 1
    rows = []
    for offset, values in enumerate(sheet.iter_rows()):
        rows.append([first_row + offset, [cell_text(v) for v in values]])
        if len(rows) == ROWS_PER_LINE:
            out.write(json.dumps(rows, ensure_ascii=False) + "\n")
            rows = []
    if rows:
        out.write(json.dumps(rows, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
