"""The pages a supplier or customer reaches from an email, and the admin's supplier directory with
its Invite dialog, on the narrowest phones still sold (360px) and a common one (390px), in both
languages: nothing scrolls sideways, the select-all box is there, each row's box has its own
label, and the Invite dialog shows every refused address at once."""

import io
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from enlace.accounts.supplier_invitations import invite_partner
from enlace.imports.models import ImportBatch
from enlace.imports.services import import_file
from enlace.mail.models import MailboxMessage
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.conftest import PASSWORD, run_worker
from tests.e2e.conftest import assert_accessible, assert_fits, shot

pytestmark = pytest.mark.e2e

WIDTHS = (360, 390)
SUPPLIER = "Distribuidora Andina del Pacífico y la Sierra Cía. Ltda."
LONG_EMAIL = "maria.villavicencio@distribuidora-andina-pacifico.example"
TEXT = {
    "es": {
        "select_all": "Seleccionar todos en esta página",
        "select": "Seleccionar ",
        "invite": "Invitar",
        "add_address": "Agregar otra dirección",
        "email": "Correo ",
        "send": "Enviar invitaciones",
        "not_valid": "Esta dirección no es válida: mal@@x.",
        "taken": "Esta dirección ya pertenece a un usuario: alice@acme.example.",
        "code": "Código de activación",
        "continue": "Continuar",
    },
    "en": {
        "select_all": "Select all on this page",
        "select": "Select ",
        "invite": "Invite",
        "add_address": "Add another address",
        "email": "Email ",
        "send": "Send invitations",
        "not_valid": "This address is not valid: mal@@x.",
        "taken": "This address already belongs to a user: alice@acme.example.",
        "code": "Activation code",
        "continue": "Continue",
    },
}


def assert_no_sideways_scroll(page):
    """The page, and an open dialog, are no wider than the screen."""
    page_width, screen = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if page_width > screen:
        assert_fits(page)  # names the elements that stick out
        raise AssertionError(f"{page.url}: {page_width}px of content on a {screen}px screen")
    dialog = page.evaluate(
        "() => { const d = document.querySelector('dialog[open]');"
        " return d && [d.scrollWidth, d.clientWidth]; }"
    )
    assert not dialog or dialog[0] <= dialog[1], f"the dialog scrolls sideways: {dialog}"


def phone(new_page, portal, language, width):
    page = new_page(viewport={"width": width, "height": 780}, is_mobile=True, has_touch=True)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": portal}])
    return page


def link_in_mailbox(prefix):
    for message in MailboxMessage.objects.order_by("-pk"):
        match = re.search(rf"https?://\S+({prefix}\S+/)", message.text_body)
        if match:
            return match.group(1), message
    raise AssertionError(f"no {prefix} link in the mailbox")


@pytest.mark.parametrize("language", ["es", "en"])
def test_phone_pages_fit_360_and_390_pixels(new_page, portal, alice, customer, language):
    t = TEXT[language]
    organization = customer.organization
    supplier = create_partner(
        organization=organization,
        kind=Partner.Kind.SUPPLIER,
        tax_id=ec_ruc(31),
        name=SUPPLIER,
        email=LONG_EMAIL,
        address="Av. Francisco de Orellana y Justino Cornejo, Edificio Torres del Norte, oficina 1204",
        city="Guayaquil",
        province="Guayas",
    )
    create_partner(
        organization=organization, kind=Partner.Kind.SUPPLIER, tax_id=ec_ruc(32), name="Vidrios Norte"
    )
    invite_partner(organization=organization, partner=supplier, emails=[LONG_EMAIL], by=alice)
    import_file(
        organization=organization,
        kind=ImportBatch.Kind.CUSTOMER_USERS,
        file=io.BytesIO(
            b"Customer code*,First names*,Last names*,Email*\n"
            b"C001,Mar\xc3\xada Fernanda,Villavicencio Zambrano,"
            + LONG_EMAIL.replace("distribuidora", "ferreteria").encode()
            + b"\n"
        ),
        filename="people.csv",
        by=alice,
    )
    run_worker()

    for width in WIDTHS:
        doc = f"{language}/phone-{{}}" if width == 360 else None

        # The admin's supplier directory, searched.
        admin = phone(new_page, portal, language, width)
        admin.goto("/login/")
        admin.locator("#id_username").fill(alice.email)
        admin.locator("#id_password").fill(PASSWORD)
        admin.locator("main form button[type=submit]").click()
        admin.wait_for_url("**/")
        admin.goto("/suppliers/?q=Andina")
        expect(admin.get_by_label(t["select_all"])).to_be_visible()
        expect(admin.get_by_label(t["select"] + SUPPLIER, exact=True)).to_have_count(1)
        expect(admin.locator("tbody tr")).to_have_count(1)
        # The row's box is labelled by its supplier, not by the select-all heading.
        expect(admin.locator("tbody td").first).not_to_have_attribute("data-label", re.compile("."))
        assert_no_sideways_scroll(admin)
        shot(admin, f"{language}-{width}-supplier-list", doc=doc and doc.format("supplier-list"))
        assert_accessible(admin)

        # The Invite dialog: two refused addresses are reported together.
        admin.get_by_role("link", name=re.compile("^" + t["invite"])).click()
        dialog = admin.get_by_role("dialog")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name=t["add_address"]).click()
        expect(dialog.get_by_label(t["email"] + "2", exact=True)).to_be_focused()
        dialog.get_by_label(t["email"] + "2", exact=True).fill("alice@acme.example")
        dialog.get_by_role("button", name=t["add_address"]).click()
        dialog.get_by_label(t["email"] + "3", exact=True).fill("mal@@x")
        dialog.get_by_role("button", name=t["send"], exact=True).click()
        expect(dialog).to_contain_text(t["not_valid"])
        expect(dialog).to_contain_text(t["taken"])
        expect(dialog.get_by_label(t["email"] + "2", exact=True)).to_be_focused()
        expect(dialog.locator("[aria-invalid=true]")).to_have_count(2)
        assert_no_sideways_scroll(admin)
        shot(admin, f"{language}-{width}-invite-dialog", doc=doc and doc.format("invite-dialog"))
        # Fixed, sent: back to the directory with its search.
        dialog.get_by_label(t["email"] + "2", exact=True).fill(f"compras{width}@andina.example")
        dialog.get_by_label(t["email"] + "3", exact=True).fill(f"gerencia{width}@andina.example")
        dialog.get_by_role("button", name=t["send"], exact=True).click()
        expect(admin.locator(".messages .success")).to_contain_text(SUPPLIER)
        expect(admin).to_have_url(re.compile(r"/suppliers/\?q=Andina"))
        expect(admin.locator("#q")).to_have_value("Andina")
        expect(admin.locator("tbody tr")).to_have_count(1)

        # The supplier, from the email: the code, then the company's data and the account.
        run_worker()
        code_message = MailboxMessage.objects.filter(to=f"compras{width}@andina.example").get()
        code = re.search(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b", code_message.text_body).group(0)
        person = phone(new_page, portal, language, width)
        person.goto("/supplier/register/")
        assert_no_sideways_scroll(person)
        person.get_by_label(re.compile("^" + t["code"])).fill(code)
        person.get_by_role("button", name=t["continue"]).click()
        expect(person.get_by_text(supplier.company.tax_id, exact=True)).to_be_visible()
        assert_no_sideways_scroll(person)
        # The tax ID stays on one line; the email takes at most two.
        tax_id = person.get_by_text(supplier.company.tax_id, exact=True).bounding_box()
        email = person.get_by_text(LONG_EMAIL, exact=True).bounding_box()
        line = float(person.evaluate("() => parseFloat(getComputedStyle(document.body).lineHeight) || 24"))
        assert tax_id["height"] < 1.6 * line, tax_id
        assert email["height"] < 2.6 * line, email
        shot(person, f"{language}-{width}-supplier-register", doc=doc and doc.format("supplier-register"))
        assert_accessible(person)

        # The customer's person, from the registration email.
        link, _message = link_in_mailbox("/r/")
        customer_person = phone(new_page, portal, language, width)
        customer_person.goto(link)
        expect(customer_person.locator("main form")).to_be_visible()
        assert_no_sideways_scroll(customer_person)
        shot(
            customer_person,
            f"{language}-{width}-customer-register",
            doc=doc and doc.format("customer-register"),
        )

        # The development mailbox, its list and one message.
        customer_person.goto("/dev/mailbox/")
        assert_no_sideways_scroll(customer_person)
        shot(customer_person, f"{language}-{width}-mailbox", doc=doc and doc.format("mailbox"))
        customer_person.goto(f"/dev/mailbox/{code_message.pk}/")
        assert_no_sideways_scroll(customer_person)
        shot(
            customer_person, f"{language}-{width}-mailbox-message", doc=doc and doc.format("mailbox-message")
        )
