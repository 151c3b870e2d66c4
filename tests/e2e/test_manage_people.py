"""An administrator manages a customer's person in a real browser: opens the person's page, edits
their details, disables them (their sign-in is then refused, in their language) and enables them
again (the sign-in works). In Spanish and in English."""

import re

import pytest
from playwright.sync_api import expect

from enlace.accounts.joining import open_account
from enlace.accounts.models import User
from tests.conftest import PASSWORD, ec_cedula
from tests.e2e.conftest import assert_accessible, shot
from tests.e2e.test_customer_user_flow import field, log_in, switch_to_english

pytestmark = pytest.mark.e2e

TEXT = {
    "es": {
        "login_user": "Usuario o correo electrónico",
        "password": "Contraseña",
        "log_in": "Iniciar sesión",
        "portal_users": "Usuarios del portal",
        "edit": "Editar datos",
        "last_names": "Apellidos",
        "phone": "Teléfono",
        "save": "Guardar",
        "saved": "fueron guardados",
        "changed": "Datos modificados",
        "disable": "Deshabilitar",
        "disabled": "ya no puede iniciar sesión en esta organización",
        "enable": "Habilitar",
        "enabled": "puede iniciar sesión de nuevo",
        "refused": "Por favor, introduzca un nombre de usuario y clave correctos",
        "log_out": "Cerrar sesión",
    },
    "en": {
        "login_user": "Username or email",
        "password": "Password",
        "log_in": "Log in",
        "portal_users": "Portal users",
        "edit": "Edit details",
        "last_names": "Last names",
        "phone": "Phone",
        "save": "Save",
        "saved": "were saved",
        "changed": "Details changed",
        "disable": "Disable",
        "disabled": "can no longer sign in to this organization",
        "enable": "Enable",
        "enabled": "can sign in again",
        "refused": "Please enter a correct username and password",
        "log_out": "Log out",
    },
}


def person_signs_in(page, t, language, username):
    page.goto("/login/")
    if language == "en" and page.locator("html").get_attribute("lang") != "en":
        switch_to_english(page)
    log_in(page, t, username, PASSWORD)


@pytest.mark.parametrize("language", ["es", "en"])
def test_an_admin_edits_disables_and_enables_a_person(new_page, alice, customer, language):
    t = TEXT[language]
    cedula = ec_cedula(900 + len(language))
    person = User.objects.create_user(
        username=cedula,
        email=f"lucia.{language}@tornillo.example",
        password=PASSWORD,
        first_name="Lucía",
        last_name="Mera",
        profile=User.Profile.CUSTOMER,
        organization=customer.organization,
        partner=customer,
        status=User.Status.READY,
        language=language,
    )
    open_account(person)
    person.save()

    admin = new_page()
    admin.on("dialog", lambda dialog: dialog.accept())  # the "are you sure?" of Disable
    admin.goto("/login/")
    if language == "en":
        switch_to_english(admin)
    log_in(admin, t, alice.email, PASSWORD)

    # Portal users → the person's page → Edit details.
    admin.get_by_role("navigation").get_by_role("link", name=t["portal_users"]).click()
    admin.get_by_role("link", name=cedula).click()
    expect(admin.get_by_role("heading", name="Lucía Mera")).to_be_visible()
    admin.get_by_role("link", name=t["edit"]).click()
    field(admin, t["last_names"]).fill("Mera Zambrano")
    field(admin, t["phone"]).fill("099 123 4567")
    shot(admin, f"{language}-user-edit", doc=f"{language}/user-edit")
    assert_accessible(admin)
    admin.get_by_role("button", name=t["save"]).click()
    expect(admin.get_by_text(t["saved"])).to_be_visible()
    expect(admin.get_by_role("heading", name="Lucía Mera Zambrano")).to_be_visible()
    expect(admin.get_by_text("+593991234567")).to_be_visible()

    # Disabled: the person's sign-in is refused with the login page's message.
    admin.get_by_role("button", name=t["disable"], exact=True).click()
    expect(admin.get_by_text(t["disabled"])).to_be_visible()
    visitor = new_page()
    person_signs_in(visitor, t, language, cedula)
    expect(visitor).to_have_url(re.compile(r"/login/$"))
    expect(visitor.get_by_text(t["refused"])).to_be_visible()
    shot(visitor, f"{language}-disabled-sign-in", doc=f"{language}/disabled-sign-in")

    # Enabled again: the same password opens the account.
    admin.get_by_role("button", name=t["enable"], exact=True).click()
    expect(admin.get_by_text(t["enabled"])).to_be_visible()
    timeline = admin.locator("ol.timeline")
    expect(timeline).to_contain_text(t["changed"])
    shot(admin, f"{language}-user-detail", doc=f"{language}/user-detail")
    assert_accessible(admin)
    person_signs_in(visitor, t, language, cedula)
    expect(visitor).not_to_have_url(re.compile(r"/login/"))
    expect(visitor.get_by_role("button", name=t["log_out"])).to_be_visible()
    assert admin.js_errors == [] and visitor.js_errors == []
