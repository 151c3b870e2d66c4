"""Flow 2 in a real browser: the admin (in English) downloads the customer users template,
fills it, uploads a version with errors (sees them, downloads the annotated file, nothing is
sent), fixes that same file and uploads it again; one invitee registers through the 48-hour
link (in Spanish, the organization's language, choosing English for later), activates with the
second email, logs in, and the admin's list shows her ready."""

import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from enlace.accounts.models import User
from enlace.imports.models import ImportBatch
from enlace.imports.progress import ProgressRecorder
from enlace.invitations.models import Invitation
from enlace.mail.models import MailboxMessage
from tests.conftest import PASSWORD, run_worker
from tests.e2e.conftest import PHONE, assert_accessible, assert_fits, shot
from tests.imports.helpers import CUSTOMER_USERS_HEADER, csv_file
from tests.imports.helpers import person as person_row

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


OWN_PASSWORD = "Manta-Portoviejo-77"


def open_email(page, to, subject):
    """In the development mailbox, open the message to `to` whose subject matches."""
    page.goto("/dev/mailbox/")
    page.get_by_role("row").filter(has_text=to).get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(subject)


def admin_in_english(new_page, admin):
    """A page where `admin` has logged in, in English."""
    page = new_page()
    page.goto("/login/")
    page.get_by_role("button", name="English").click()
    page.get_by_label(re.compile("^Username or email")).fill(admin.email)
    page.get_by_label(re.compile("^Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def test_admin_imports_customer_users_fixing_the_errors_first(new_page, alice, customer, tmp_path):
    admin = admin_in_english(new_page, alice)

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

    # The worker sends the three registration emails; Ana opens hers, valid for 48 hours.
    run_worker()
    assert MailboxMessage.objects.count() == 3
    registration = Invitation.objects.get(email="ana@tornillo.example", kind=Invitation.Kind.REGISTRATION)
    assert abs(registration.expires_at - registration.created_at - timedelta(hours=48)) < timedelta(minutes=1)
    person = new_page()
    open_email(person, "ana@tornillo.example", re.compile("Complete su registro"))
    shot(person, "registration-email", doc="es/registration-email")
    person.frame_locator("iframe.mail").get_by_role("link", name="Completar mi registro").click()

    # The form comes filled from the file; she chooses her password and English for later.
    expect(person).to_have_url(re.compile(r"/register/$"))
    expect(person.get_by_label(re.compile("^Nombres"))).to_have_value("Ana")
    expect(person.get_by_label(re.compile("^Correo electrónico"))).to_have_value("ana@tornillo.example")
    person.get_by_label(re.compile("^Idioma preferido")).select_option("en")
    person.get_by_label(re.compile("^Contraseña:?$")).fill(OWN_PASSWORD)
    person.get_by_label(re.compile("^Repita la contraseña")).fill(OWN_PASSWORD)
    shot(person, "register", doc="es/register")
    assert_accessible(person)
    person.get_by_role("button", name="Crear mi cuenta").click()
    # From here on she reads the language she chose.
    expect(person.get_by_role("heading", level=1)).to_have_text("Your account was created")
    assert_accessible(person)

    # The second email, now in English, activates the account.
    run_worker()
    open_email(person, "ana@tornillo.example", re.compile("Activate your account"))
    person.frame_locator("iframe.mail").get_by_role("link", name="Activate my account").click()
    person.get_by_role("button", name="Activate my account").click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Your account is active")
    person.get_by_role("link", name="Log in").click()
    # The login page keeps speaking the language she chose, although her browser asks for Spanish.
    person.get_by_label(re.compile("^Username or email")).fill("ana@tornillo.example")
    person.get_by_label(re.compile("^Password")).fill(OWN_PASSWORD)
    person.get_by_role("button", name="Log in").click()
    expect(person.get_by_text("Ready to use the B2B purchase portal")).to_be_visible()

    admin.goto("/users/")
    expect(admin.get_by_role("row").filter(has_text="ana@tornillo.example")).to_contain_text(
        "Ready to use the B2B purchase portal"
    )
    expect(admin.get_by_role("row").filter(has_text="lucia@tornillo.example")).to_contain_text(
        "Pending activation"
    )
    assert admin.js_errors == [] and person.js_errors == []


def test_a_large_file_shows_its_progress_and_then_its_outcome(new_page, alice, customer, settings, tmp_path):
    settings.IMPORT_BACKGROUND_ROWS = 5  # so that a dozen rows make a "large" file
    path = tmp_path / "people.csv"
    path.write_bytes(csv_file([person_row(n) for n in range(1, 13)], CUSTOMER_USERS_HEADER).getvalue())
    admin = admin_in_english(new_page, alice)
    admin.goto("/imports/customer-users/")
    admin.get_by_label("File (.xlsx, .xls, .ods or .csv)").set_input_files(path)
    admin.get_by_role("button", name="Process file").click()

    # Queued for the worker: nothing written yet, a bar waiting.
    expect(admin.get_by_role("heading", name="Waiting for the worker to start")).to_be_visible()
    expect(admin.get_by_role("progressbar", name="Waiting for the worker to start")).to_be_visible()
    assert not User.objects.filter(partner=customer).exists()
    assert_accessible(admin)

    # The worker begins: what it records reaches the open page at its next poll, without a reload.
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.VALIDATING)
    ProgressRecorder(batch.pk, expected_rows=12)("read", 6, None)
    bar = admin.get_by_role("progressbar", name="Reading and checking the rows")
    expect(bar).to_have_attribute("value", "6")
    expect(bar).to_have_attribute("max", "12")
    expect(admin.get_by_text("6 of 12 (50%)")).to_be_visible()
    shot(admin, "import-progress", doc="import-progress")
    assert_accessible(admin)
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US")
    phone.context.add_cookies(admin.context.cookies())
    phone.goto(admin.url)
    expect(phone.get_by_role("progressbar")).to_be_visible()
    assert_fits(phone)
    phone.close()

    # The admin leaves; the list shows the file still running.
    admin.get_by_role("link", name="← Imports").click()
    expect(admin.get_by_role("row").filter(has_text="people.csv")).to_contain_text("Validating")

    # The worker processes the whole file (from the start: the counts above were its first steps).
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)
    run_worker()

    # Back on the file's page: the outcome, as for a small file, and no more polling.
    admin.get_by_role("row").filter(has_text="people.csv").get_by_role("link").click()
    expect(admin.locator(".stats .card").filter(has_text="invitations queued")).to_contain_text("12")
    expect(admin.get_by_role("progressbar")).to_have_count(0)
    assert admin.locator("[hx-trigger]").count() == 0
    assert User.objects.filter(partner=customer).count() == 12
    assert admin.js_errors == []
