"""Text for spreadsheet cells, the one way every workbook Enlace writes puts text in a cell.

Values come from uploaded files and from invitees, so two things can go wrong: a control
character that XML 1.0 cannot carry (openpyxl refuses it, and the download would fail), and a
text such as `=HYPERLINK(...)` that a spreadsheet program would evaluate as a formula.
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What makes Excel, LibreOffice or Google Sheets read a CSV field as a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value) -> str:
    """`value` as text any workbook cell, comment or sheet title takes: without the control
    characters openpyxl refuses (all but tab, line feed and carriage return)."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


def put_text(cell, value):
    """Write `value` into an openpyxl cell (also a write-only one) as text: cleaned, and typed
    as a string, so whatever it starts with is shown, never evaluated."""
    cell.value = cell_text(value)
    cell.data_type = "s"
    return cell


def csv_safe(value: str) -> str:
    """A CSV field that no spreadsheet evaluates: a formula-like text gets the apostrophe
    spreadsheets use to mark text."""
    return "'" + value if value.startswith(FORMULA_START) else value
