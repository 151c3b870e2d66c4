"""Flow 2 in a real browser, in English: the admin downloads the customer users template,
fills it, uploads a version with errors (sees them, downloads the annotated file, nothing is
sent), fixes that same file, uploads it again, and the people are invited."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from enlace.accounts.models import User
from enlace.invitations.models import Invitation
from enlace.mail.models import MailboxMessage
from tests.conftest import PASSWORD, run_worker
from tests.e2e.conftest import assert_accessible, shot

pytestmark = pytest.mark.e2e

PEOPLE = [
    ("C001", "Ana", "Torres", "ana@tornillo.example"),
    ("C999", "Pedro", "Loor", "pedro@tornillo.example"),  # no such customer
    ("C001", "Lucía", "Mera", "lucia.tornillo.example"),  # not an email address
]


def download(page, link_name, path):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    info.value.save_as(path)
    return path


def test_admin_imports_customer_users_fixing_the_errors_first(new_page, alice, customer, tmp_path):
    admin = new_page()
    admin.goto("/login/")
    admin.get_by_role("button", name="English").click()
    admin.get_by_label(re.compile("^Username or email")).fill(alice.email)
    admin.get_by_label(re.compile("^Password")).fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()

    admin.get_by_role("navigation").get_by_role("link", name="Imports").click()
    admin.get_by_role("heading", name="Customer users").locator("..").get_by_role(
        "link", name="Load from file"
    ).click()
    shot(admin, "import-customer-users", doc="import-customer-users")
    assert_accessible(admin)

    # The template, filled as an admin would, with two mistakes.
    template = download(admin, re.compile(r"Download template \(\.xlsx\)"), tmp_path / "template.xlsx")
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["Customer code*", "First names*", "Last names*", "Email*"]
    for number, person in enumerate(PEOPLE, start=2):
        for column, value in enumerate(person, start=1):
            sheet.cell(row=number, column=column, value=value)
    workbook.save(tmp_path / "people.xlsx")

    admin.get_by_label("File (.xlsx, .xls, .ods or .csv)").set_input_files(tmp_path / "people.xlsx")
    admin.get_by_role("button", name="Process file").click()
    expect(admin.get_by_role("alert")).to_contain_text("Nothing was created or sent")
    rows = admin.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("C999")
    expect(rows.nth(1)).to_contain_text("lucia.tornillo.example")
    shot(admin, "import-errors", doc="import-errors")
    assert_accessible(admin)

    # The annotated file marks the same two rows, and nothing was written or sent.
    annotated = download(admin, re.compile("Download the file with its errors"), tmp_path / "annotated.xlsx")
    workbook = load_workbook(annotated)
    sheet = workbook.worksheets[0]
    errors_column = [cell.value for cell in sheet[1]].index("Errors") + 1
    assert [bool(sheet.cell(row=n, column=errors_column).value) for n in (2, 3, 4)] == [False, True, True]
    assert sheet.cell(row=3, column=1).fill.start_color.rgb.endswith("FDE2E1")
    run_worker()
    assert not User.objects.filter(email__endswith="@tornillo.example").exists()
    assert Invitation.objects.count() == 0 and MailboxMessage.objects.count() == 0

    # The admin fixes the annotated file itself and uploads it again.
    sheet.cell(row=3, column=1, value="C001")
    sheet.cell(row=4, column=4, value="lucia@tornillo.example")
    workbook.save(tmp_path / "people-fixed.xlsx")
    admin.get_by_role("link", name="Upload a corrected file").click()
    admin.get_by_label("File (.xlsx, .xls, .ods or .csv)").set_input_files(tmp_path / "people-fixed.xlsx")
    admin.get_by_role("button", name="Process file").click()
    expect(admin.locator(".stats .card").filter(has_text="invitations queued")).to_contain_text("3")
    shot(admin, "import-applied", doc="import-applied")
    assert_accessible(admin)
    invited = User.objects.filter(partner=customer, status=User.Status.PENDING_ACTIVATION)
    assert sorted(invited.values_list("email", flat=True)) == [
        "ana@tornillo.example",
        "lucia@tornillo.example",
        "pedro@tornillo.example",
    ]
