"""A supplier submits its profile to a buyer in a real browser; the buyer's admin asks for a
change to one field; the supplier reads the comment, corrects the profile and submits again; the
admin approves. In Spanish and in English."""

import pytest
from playwright.sync_api import expect

from enlace.accounts.joining import open_account
from enlace.profiles.services import save_profile
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_accessible, shot
from tests.e2e.test_company_profile import sign_in
from tests.e2e.test_customer_user_flow import field
from tests.partners.suppliers import add_supplier
from tests.profiles.conftest import make_supplier_person

pytestmark = pytest.mark.e2e

TEXT = {
    "es": {
        "login_user": "Usuario o correo electrónico",
        "password": "Contraseña",
        "log_in": "Iniciar sesión",
        "profile": "Perfil de la empresa",
        "submit": "Enviar a Acme S.A.",
        "submitted": "Acme S.A. recibió la versión",
        "suppliers": "Proveedores",
        "request_changes": "Pedir cambios",
        "legal_name": "Razón social",
        "requested": "Se pidieron los cambios",
        "review_by": "Revisión de Acme S.A.",
        "to_correct": "Campos por corregir",
        "edit_company": "Editar los datos de la empresa",
        "save": "Guardar",
        "approve": "Aprobar",
        "approved": "Se aprobó el perfil.",
        "state_approved": "Aprobado",
        "state_changes": "Cambios pedidos",
    },
    "en": {
        "login_user": "Username or email",
        "password": "Password",
        "log_in": "Log in",
        "profile": "Company profile",
        "submit": "Submit to Acme S.A.",
        "submitted": "Acme S.A. received version",
        "suppliers": "Suppliers",
        "request_changes": "Request changes",
        "legal_name": "Legal name",
        "requested": "The changes were requested",
        "review_by": "Review by Acme S.A.",
        "to_correct": "Fields to correct",
        "edit_company": "Edit company data",
        "save": "Save",
        "approve": "Approve",
        "approved": "The profile was approved.",
        "state_approved": "Approved",
        "state_changes": "Changes requested",
    },
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_submit_request_changes_resubmit_and_approve(new_page, acme, alice, language):
    t = TEXT[language]
    steel = add_supplier(acme, 1, name="Aceros del Sur")
    rosa = make_supplier_person(steel, f"rosa.{language}@aceros.example", "Rosa")
    rosa.set_password(PASSWORD)
    open_account(rosa)
    rosa.save()
    save_profile(company=steel.company, by=rosa, legal_name="Aceros del Sur", city="Quito")

    supplier = new_page()
    sign_in(supplier, t, language, rosa.email)
    supplier.get_by_role("link", name=t["profile"], exact=True).click()
    supplier.get_by_role("button", name=t["submit"]).click()
    expect(supplier.get_by_text(t["submitted"])).to_be_visible()

    buyer = new_page()
    sign_in(buyer, t, language, alice.email)
    buyer.get_by_role("navigation").get_by_role("link", name=t["suppliers"]).click()
    buyer.get_by_role("link", name=f"{t['profile']} Aceros del Sur").click()
    buyer.get_by_role("link", name=t["request_changes"]).click()
    field(buyer, t["legal_name"]).fill("Falta S.A. / Missing S.A.")
    assert_accessible(buyer)
    buyer.get_by_role("button", name=t["request_changes"]).click()
    expect(buyer.get_by_text(t["requested"])).to_be_visible()
    expect(buyer.locator("#review-heading .review-state")).to_have_text(t["state_changes"])

    supplier.get_by_role("link", name=t["profile"], exact=True).click()
    supplier.get_by_role("link", name="Acme S.A.").click()
    expect(supplier.get_by_role("heading", name=t["review_by"])).to_be_visible()
    expect(supplier.locator(".review-comments")).to_contain_text("Falta S.A. / Missing S.A.")
    expect(supplier.get_by_text(t["to_correct"])).to_be_visible()
    shot(supplier, f"{language}-buyer-review", doc=f"{language}/profile-review-supplier")
    assert_accessible(supplier)
    supplier.get_by_role("link", name=t["profile"], exact=True).click()
    supplier.get_by_role("link", name=t["edit_company"]).click()
    field(supplier, t["legal_name"]).fill("Aceros del Sur S.A.")
    supplier.get_by_role("button", name=t["save"]).click()
    supplier.get_by_role("button", name=t["submit"]).click()
    expect(supplier.get_by_text(t["submitted"])).to_be_visible()

    buyer.reload()
    buyer.get_by_role("button", name=t["approve"]).click()
    expect(buyer.get_by_text(t["approved"])).to_be_visible()
    expect(buyer.locator("#review-heading .review-state")).to_have_text(t["state_approved"])
    shot(buyer, f"{language}-supplier-review", doc=f"{language}/profile-review-buyer")
    assert_accessible(buyer)
    supplier.reload()
    expect(supplier.locator(".review-state").first).to_have_text(t["state_approved"])
    assert supplier.js_errors == [] and buyer.js_errors == []
