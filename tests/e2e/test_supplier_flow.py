"""Flow 3 in a real browser, in Spanish: the buyer's admin invites one supplier at two addresses
(with the keyboard alone, in the Invite dialog), invites three selected suppliers, processes a
suppliers CSV with Notify 1 and 0 rows; a supplier registers with its code typed in lowercase
without dashes, and the directory shows the check."""

import re

import pytest
from playwright.sync_api import expect

from enlace.invitations.models import Invitation
from enlace.mail.models import MailboxMessage
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.conftest import PASSWORD, run_worker
from tests.e2e.conftest import assert_accessible, field_value, shot

pytestmark = pytest.mark.e2e

SUPPLIERS = [
    (11, "Distribuidora Andina", "ventas@andina.example"),
    (12, "Maderas del Oriente", "ventas@maderas.example"),
    (13, "Plásticos Costa", "ventas@plasticos.example"),
    (14, "Químicos Pacífico", "ventas@quimicos.example"),
]
OWN_PASSWORD = "Ambato-Riobamba-88"

FOCUSED = "() => document.activeElement.id || document.activeElement.textContent.trim()"


def tab_to(page, target, limit=30):
    """Press Tab until the focused element's id or text is `target`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == target:
            return
    raise AssertionError(f"Tab never reached {target!r}")


def settled(page, selector):
    """htmx makes swapped-in forms live when it settles (a few milliseconds later): a person is
    never that fast, a test is."""
    expect(page.locator(selector)).not_to_have_class(re.compile("htmx-settling"))


def status_of(page, name):
    return page.get_by_role("row").filter(has_text=name).locator("td .badge")


def test_buyer_invites_suppliers_and_one_registers_with_its_code(new_page, alice, acme, tmp_path):
    for number, name, email in SUPPLIERS:
        create_partner(
            organization=acme, kind=Partner.Kind.SUPPLIER, tax_id=ec_ruc(number), name=name, email=email
        )
    admin = new_page()
    admin.goto("/login/")
    admin.get_by_label(re.compile("^Usuario o correo")).fill(alice.email)
    admin.get_by_label(re.compile("^Contraseña")).fill(PASSWORD)
    admin.get_by_role("button", name="Iniciar sesión").click()
    admin.get_by_role("navigation").get_by_role("link", name="Proveedores").click()
    expect(status_of(admin, "Distribuidora Andina")).to_have_text("No invitado")
    shot(admin, "es-suppliers", doc="es/suppliers")
    assert_accessible(admin)

    # One supplier, two addresses, with the keyboard alone in the Invite dialog.
    admin.get_by_role("link", name="Invitar Distribuidora Andina").focus()
    admin.keyboard.press("Enter")
    dialog = admin.get_by_role("dialog")
    expect(dialog).to_be_visible()
    settled(admin, "#invite-dialog-body")
    expect(dialog.get_by_label("Correo 1")).to_be_focused()
    expect(dialog.get_by_label("Correo 1")).to_have_value("ventas@andina.example")
    tab_to(admin, "Agregar otra dirección")
    admin.keyboard.press("Enter")
    expect(dialog.get_by_label("Correo 2")).to_be_focused()
    settled(admin, "#invite-dialog-body")
    admin.keyboard.type("gerencia@andina.example")
    shot(admin, "es-invite-dialog", doc="es/invite-dialog")
    assert_accessible(admin)
    admin.keyboard.press("Enter")
    expect(admin.get_by_role("status")).to_contain_text("2 invitaciones para Distribuidora Andina")
    expect(status_of(admin, "Distribuidora Andina")).to_have_text("Invitado (pendiente)")

    # Three selected suppliers at once.
    for _number, name, _email in SUPPLIERS[1:]:
        admin.get_by_label(f"Seleccionar {name}").check()
    admin.get_by_role("button", name="Invitar seleccionados").click()
    expect(admin.get_by_role("status")).to_contain_text("Se invitó a 3 proveedores")

    # A suppliers CSV: one row to notify, one not.
    csv = tmp_path / "proveedores.csv"
    csv.write_text(
        "Identificación tributaria*;Nombre*;Correo electrónico*;Notificar*\n"
        f"{ec_ruc(15)};Textiles Sierra;ventas@textiles.example;1\n"
        f"{ec_ruc(16)};Vidrios Norte;ventas@vidrios.example;0\n",
        encoding="utf-8",
    )
    admin.get_by_role("link", name="Carga masiva de proveedores").click()
    admin.get_by_label("Archivo (.xlsx, .xls, .ods o .csv)").set_input_files(csv)
    admin.get_by_role("button", name="Procesar archivo").click()
    expect(admin.locator(".stats .card").filter(has_text="invitaciones en cola")).to_contain_text("1")
    admin.get_by_role("navigation").get_by_role("link", name="Proveedores").click()
    expect(status_of(admin, "Textiles Sierra")).to_have_text("Invitado (pendiente)")
    expect(status_of(admin, "Vidrios Norte")).to_have_text("No invitado")

    # Six codes go out; the manager of Andina reads hers.
    run_worker()
    assert MailboxMessage.objects.count() == 6
    assert not MailboxMessage.objects.filter(to="ventas@vidrios.example").exists()
    person = new_page()
    person.goto("/dev/mailbox/")
    person.get_by_role("row").filter(has_text="gerencia@andina.example").get_by_role("link").click()
    text = person.locator("pre.mail-text").inner_text()
    code = field_value(text, "Su código de activación")
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    shot(person, "es-supplier-code-email", doc="es/supplier-code-email")
    person.locator("pre.mail-text a", has_text="/supplier/register/").click()

    # She types the code as it comes, in lowercase and without dashes.
    person.get_by_label(re.compile("^Código de activación")).fill(code.replace("-", "").lower())
    assert_accessible(person)
    person.get_by_role("button", name="Continuar").click()
    expect(person.locator("dl")).to_contain_text("Distribuidora Andina")
    expect(person.get_by_label(re.compile("^Correo electrónico"))).to_have_value("gerencia@andina.example")
    person.get_by_label(re.compile("^Nombres")).fill("Gabriela")
    person.get_by_label(re.compile("^Apellidos")).fill("Salazar")
    person.get_by_label(re.compile("^Contraseña:?$")).fill(OWN_PASSWORD)
    person.get_by_label(re.compile("^Repita la contraseña")).fill(OWN_PASSWORD)
    shot(person, "es-supplier-register", doc="es/supplier-register")
    assert_accessible(person)
    person.get_by_role("button", name="Confirmar y crear mi cuenta").click()
    expect(person.get_by_role("status")).to_contain_text("Distribuidora Andina")

    # The directory shows the check; the other address's code no longer matters.
    admin.reload()
    andina = status_of(admin, "Distribuidora Andina")
    expect(andina).to_contain_text("Registrado")
    expect(andina.locator(".verified")).to_have_text("✓")
    expect(status_of(admin, "Maderas del Oriente")).to_have_text("Invitado (pendiente)")
    shot(admin, "es-suppliers-registered", doc="es/suppliers-registered")
    assert Invitation.objects.filter(email="gerencia@andina.example").get().used_at is not None
    assert admin.js_errors == [] and person.js_errors == []
