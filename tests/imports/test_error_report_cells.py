"""A rejected file comes back as a workbook whatever its cells hold."""

import io

import openpyxl
from django.urls import reverse

from enlace.imports.models import ImportBatch
from tests.imports.helpers import CUSTOMER_USERS_HEADER, csv_file, person

CONTROLS = "".join(chr(c) for c in range(1, 9))  # \x01 .. \x08


def test_the_error_workbook_of_a_rejected_cell_with_control_characters_downloads(alice_client, customer):
    rows = [
        person(1, Email=f"ana{CONTROLS}@example"),
        person(2, **{"Last names": f"Pérez{CONTROLS}\x0b\x0c"}),
    ]
    upload = csv_file(rows, CUSTOMER_USERS_HEADER)
    upload.name = "people.csv"
    alice_client.post(reverse("imports:upload", args=["customer-users"]), {"file": upload})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED

    report = alice_client.get(reverse("imports:error_report", args=[batch.pk]))

    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0]
    assert sheet.cell(2, 4).value == "ana@example"
    assert sheet.cell(3, 3).value == "Pérez"
    assert sheet.cell(2, sheet.max_column).value  # the row's error is there
