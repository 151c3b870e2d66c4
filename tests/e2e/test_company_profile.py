"""A supplier's person fills the company profile in a real browser (company data, a contact, a
bank account, then a changed account number); the buyer's admin opens it from the supplier
directory and reads the change in the history. In Spanish and in English."""

import pytest
from playwright.sync_api import expect

from enlace.accounts.joining import open_account
from tests.conftest import PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, assert_fits, shot
from tests.e2e.test_customer_user_flow import field, log_in, switch_to_english
from tests.partners.suppliers import add_supplier
from tests.profiles.conftest import make_supplier_person

pytestmark = pytest.mark.e2e

TEXT = {
    "es": {
        "login_user": "Usuario o correo electrónico",
        "password": "Contraseña",
        "log_in": "Iniciar sesión",
        "profile": "Perfil de la empresa",
        "edit_company": "Editar los datos de la empresa",
        "edit_contacts": "Editar los contactos",
        "edit_banks": "Editar las cuentas bancarias",
        "legal_name": "Razón social",
        "city": "Ciudad",
        "save": "Guardar",
        "saved": "Guardado como versión",
        "suppliers": "Proveedores",
        "history_row": "Cuenta bancaria 1 · Número de cuenta",
        "version": "Versión 4",
        "compare_with": "Comparar la última versión con la versión",
        "compare": "Comparar",
        "since": "Qué cambió desde la versión 2",
    },
    "en": {
        "login_user": "Username or email",
        "password": "Password",
        "log_in": "Log in",
        "profile": "Company profile",
        "edit_company": "Edit company data",
        "edit_contacts": "Edit contacts",
        "edit_banks": "Edit bank accounts",
        "legal_name": "Legal name",
        "city": "City",
        "save": "Save",
        "saved": "Saved as version",
        "suppliers": "Suppliers",
        "history_row": "Bank account 1 · Account number",
        "version": "Version 4",
        "compare_with": "Compare the latest version with version",
        "compare": "Compare",
        "since": "What changed since version 2",
    },
}


def sign_in(page, t, language, email):
    page.goto("/login/")
    if language == "en":
        switch_to_english(page)
    log_in(page, t, email, PASSWORD)


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_supplier_fills_the_profile_and_the_buyer_reads_what_changed(new_page, acme, alice, language):
    t = TEXT[language]
    steel = add_supplier(acme, 1, name="Aceros del Sur")
    rosa = make_supplier_person(steel, f"rosa.{language}@aceros.example", "Rosa")
    rosa.set_password(PASSWORD)
    open_account(rosa)
    rosa.save()

    supplier = new_page()
    sign_in(supplier, t, language, rosa.email)
    supplier.get_by_role("link", name=t["profile"]).click()

    supplier.get_by_role("link", name=t["edit_company"]).click()
    field(supplier, t["legal_name"]).fill("Aceros del Sur S.A.")
    field(supplier, t["city"]).fill("Quito")
    supplier.get_by_role("button", name=t["save"]).click()
    expect(supplier.get_by_text(t["saved"])).to_be_visible()

    supplier.get_by_role("link", name=t["edit_contacts"]).click()
    supplier.locator("#id_contacts-0-name").fill("Rosa Paz")
    supplier.locator("#id_contacts-0-email").fill("rosa@aceros.example")
    supplier.locator("#id_contacts-0-phone").fill("099 123 4567")
    supplier.get_by_role("button", name=t["save"]).click()
    expect(supplier.get_by_role("cell", name="+593991234567", exact=True)).to_be_visible()

    supplier.get_by_role("link", name=t["edit_banks"]).click()
    supplier.locator("#id_bank_accounts-0-bank").fill("Banco Pichincha")
    supplier.locator("#id_bank_accounts-0-number").fill("2100123456")
    supplier.locator("#id_bank_accounts-0-holder").fill("Aceros del Sur S.A.")
    shot(supplier, f"{language}-profile-bank-accounts", doc=f"{language}/profile-bank-accounts")
    assert_accessible(supplier)
    supplier.get_by_role("button", name=t["save"]).click()
    expect(supplier.get_by_text(t["saved"])).to_be_visible()

    supplier.get_by_role("link", name=t["edit_banks"]).click()
    supplier.locator("#id_bank_accounts-0-number").fill("2100999988")
    supplier.get_by_role("button", name=t["save"]).click()
    expect(supplier.get_by_role("heading", name=t["version"])).to_be_visible()
    shot(supplier, f"{language}-profile", doc=f"{language}/profile")
    assert_accessible(supplier)

    buyer = new_page()
    sign_in(buyer, t, language, alice.email)
    buyer.get_by_role("navigation").get_by_role("link", name=t["suppliers"]).click()
    buyer.get_by_role("link", name=f"{t['profile']} Aceros del Sur").click()
    history = buyer.locator("table.changes").first
    expect(history).to_contain_text(t["history_row"])
    expect(history).to_contain_text("2100123456")
    expect(history).to_contain_text("2100999988")
    # What changed since version 2 (the contact): the bank account, added since.
    buyer.get_by_label(t["compare_with"]).select_option("2")
    buyer.get_by_role("button", name=t["compare"]).click()
    expect(buyer.get_by_role("heading", name=t["since"])).to_be_visible()
    shot(buyer, f"{language}-supplier-profile", doc=f"{language}/supplier-profile")
    assert_accessible(buyer)
    # Both pages fit a phone.
    for page in (supplier, buyer):
        page.set_viewport_size(PHONE)
        page.reload()
        assert_fits(page)
        page.set_viewport_size(DESKTOP)
    assert supplier.js_errors == [] and buyer.js_errors == []
