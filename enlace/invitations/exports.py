"""The activation requests list as CSV or XLSX, safe to open in a spreadsheet.

Names and emails come from imported files and from the invitees themselves, so a value such as
`=HYPERLINK(...)` must reach the spreadsheet as text, never as a formula (CSV injection).
"""

import csv
import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from enlace.invitations import failures
from enlace.invitations.models import Invitation
from enlace.lib.cells import csv_safe, put_text

ITERATOR_CHUNK = 2000


def headers(zone) -> list[str]:
    """The columns; those of times name the zone they are in (a spreadsheet keeps none)."""
    in_zone = {"zone": zone.key}
    return [
        _("Name"),
        _("Customer code"),
        _("Customer"),
        _("Email"),
        _("Kind"),
        _("State"),
        _("Sent at (%(zone)s)") % in_zone,
        _("Expires at (%(zone)s)") % in_zone,
        _("Delivery error"),
    ]


def _local(moment, zone):
    return timezone.localtime(moment, zone).replace(tzinfo=None, microsecond=0) if moment else None


def rows(invitations, zone):
    """One list per invitation: text, and naive datetimes in the organization's `zone`."""
    kinds = dict(Invitation.Kind.choices)
    states = dict(Invitation.State.choices)
    for inv in invitations.iterator(chunk_size=ITERATOR_CHUNK):
        partner = inv.partner
        yield [
            inv.full_name,
            partner.code if partner else "",
            partner.name if partner else "",
            inv.email,
            str(kinds.get(inv.kind, inv.kind)),
            str(states.get(inv.shown_state, inv.shown_state)),
            _local(inv.sent_at, zone),
            _local(inv.expires_at, zone),
            failures.worded(inv.delivery_error),
        ]


class _Echo:
    def write(self, value):
        return value


def csv_lines(invitations, *, zone, delimiter=","):
    """The CSV, line by line for a streaming response: UTF-8 with a BOM so Excel reads accents."""
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield "\ufeff" + writer.writerow(headers(zone))
    for row in rows(invitations, zone):
        yield writer.writerow(
            [
                "" if v is None else v.isoformat(sep=" ") if hasattr(v, "isoformat") else csv_safe(v)
                for v in row
            ]
        )


def xlsx_file(invitations, *, zone):
    """The XLSX in a temporary file (write-only mode keeps memory flat). Every text cell is
    typed as a string, so nothing in it is ever evaluated."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Activation requests")[:31])
    for letter, width in zip("ABCDEFGHI", (30, 14, 30, 32, 22, 14, 18, 18, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    sheet.append([_cell(sheet, title, font=bold) for title in headers(zone)])
    for row in rows(invitations, zone):
        sheet.append([_cell(sheet, value) for value in row])
    # Handed to FileResponse, which closes it once sent.
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return output


def _cell(sheet, value, font=None):
    if value is None or value == "":
        return None
    cell = WriteOnlyCell(sheet)
    if isinstance(value, str):
        put_text(cell, value)  # openpyxl would store "=…" as a formula
    else:
        cell.value = value
        cell.number_format = "yyyy-mm-dd hh:mm"
    if font:
        cell.font = font
    return cell
