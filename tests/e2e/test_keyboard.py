"""The Add portal user form can be filled and submitted with the keyboard alone."""

import pytest
from playwright.sync_api import expect

from enlace.accounts.models import User
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.conftest import PASSWORD, ec_cedula

pytestmark = pytest.mark.e2e

# What the focused element is, in a few characters: its id, or its tag and text.
FOCUSED = """() => {
    const e = document.activeElement;
    return e.id || (e.tagName.toLowerCase() + ":" + (e.textContent || "").trim());
}"""


def test_the_add_form_is_filled_and_submitted_with_the_keyboard_alone(new_page, alice, customer):
    create_partner(
        organization=customer.organization,
        kind=Partner.Kind.CUSTOMER,
        tax_id=ec_ruc(2),
        code="C002",
        name="Comercial Andina",
    )
    cedula = ec_cedula(800)
    page = new_page()
    page.goto("/login/")
    # The login field has the focus already; Tab to the password, Enter submits.
    page.keyboard.type(alice.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(alice.memberships.get().organization.name)
    page.goto("/users/new/")

    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        order.append(focused)
        if focused == "id_username":
            page.keyboard.type(cedula)
        elif focused == "customer-search":
            page.keyboard.type("andina")
            # htmx replaces the list with the customers that match.
            expect(page.locator("#id_customer option")).to_have_count(1)
            expect(page.locator("#id_customer option")).to_contain_text("Comercial Andina")
        elif focused == "id_first_name":
            page.keyboard.type("Luis")
        elif focused == "id_last_name":
            page.keyboard.type("Guamán")
        elif focused == "id_email":
            page.keyboard.type("luis@andina.example")
        elif focused == "button:Confirmar":
            break

    # Every field of the form, in the order it is shown, then the Confirm button.
    fields = page.evaluate(
        """() => [...document.querySelectorAll("main form [name]")]
            .filter(e => e.type !== "hidden" && e.name !== "csrfmiddlewaretoken").map(e => e.id)"""
    )
    assert fields == [
        "id_username",
        "id_profile",
        "customer-search",
        "id_customer",
        "id_first_name",
        "id_last_name",
        "id_email",
        "id_portal_enabled",
    ]
    start = order.index("id_username")
    assert order[start : start + len(fields) + 1] == [*fields, "button:Confirmar"], order
    expect(page.locator("#id_portal_enabled")).to_be_checked()

    page.keyboard.press("Enter")
    expect(page.get_by_role("row").filter(has_text=cedula)).to_contain_text("Pendiente de activación")
    user = User.objects.get(username=cedula)
    assert user.partner.name == "Comercial Andina" and user.email == "luis@andina.example"
    assert user.portal_enabled


def test_the_invite_dialog_closes_with_escape_and_gives_the_focus_back(new_page, alice, acme):
    create_partner(
        organization=acme,
        kind=Partner.Kind.SUPPLIER,
        tax_id=ec_ruc(30),
        name="Distribuidora Andina",
        email="ventas@andina.example",
    )
    page = new_page()
    page.goto("/login/")
    page.keyboard.type(alice.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(acme.name)
    page.goto("/suppliers/")
    invite = page.get_by_role("link", name="Invitar Distribuidora Andina")
    invite.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Correo 1")).to_be_focused()
    # Tab never reaches the page behind the open dialog (past its last control the browser's own
    # controls take the focus, shown here as the body, then it comes back into the dialog).
    for _ in range(8):
        page.keyboard.press("Tab")
        where = page.evaluate(
            "() => document.activeElement === document.body || !!document.activeElement.closest('dialog')"
        )
        assert where, "the focus reached the page behind the dialog"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(invite).to_be_focused()
