"""My account in a real browser: a customer's person changes the password and signs in with the
new one, then changes the email address through the link sent to the new one (opened from the
development mailbox) and signs in with it. In Spanish and in English."""

import re

import pytest
from playwright.sync_api import expect

from enlace.accounts import joining
from enlace.accounts.models import User
from tests.conftest import PASSWORD, ec_cedula, run_worker
from tests.e2e.conftest import assert_accessible, shot
from tests.e2e.test_customer_user_flow import field, log_in, switch_to_english

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Ibarra-Otavalo-2026!"

TEXT = {
    "es": {
        "login_user": "Usuario o correo electrónico",
        "password": "Contraseña",
        "log_in": "Iniciar sesión",
        "log_out": "Cerrar sesión",
        "my_account": "Mi cuenta",
        "change_password": "Cambiar mi contraseña",
        "current_password": "Contraseña actual",
        "new_password": "Nueva contraseña",
        "repeat_password": "Repita la nueva contraseña",
        "save_password": "Guardar mi contraseña",
        "password_saved": "Su nueva contraseña fue guardada. Sus otras sesiones terminaron.",
        "change_email": "Cambiar mi correo electrónico",
        "new_email": "Nuevo correo electrónico",
        "send_link": "Enviar el enlace de confirmación",
        "check": "Revise su nuevo correo",
        "email_button": "Confirmar mi nueva dirección",
        "confirm": "Confirme su nueva dirección de correo",
        "use": "Usar esta dirección",
        "now": "Su dirección de correo ahora es",
    },
    "en": {
        "login_user": "Username or email",
        "password": "Password",
        "log_in": "Log in",
        "log_out": "Log out",
        "my_account": "My account",
        "change_password": "Change my password",
        "current_password": "Current password",
        "new_password": "New password",
        "repeat_password": "Repeat the new password",
        "save_password": "Save my password",
        "password_saved": "Your new password has been saved. Your other sessions have ended.",
        "change_email": "Change my email address",
        "new_email": "New email address",
        "send_link": "Send the confirmation link",
        "check": "Check your new email",
        "email_button": "Confirm my new address",
        "confirm": "Confirm your new email address",
        "use": "Use this address",
        "now": "Your email address is now",
    },
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_person_changes_the_password_and_the_email_address(new_page, customer, language):
    t = TEXT[language]
    email = f"rosa.{language}@tornillo.example"
    new_email = f"rosa.nueva.{language}@tornillo.example"
    rosa = User.objects.create_user(
        username=ec_cedula(860 + len(language)),
        email=email,
        password=PASSWORD,
        first_name="Rosa",
        last_name="Paredes",
        profile=User.Profile.CUSTOMER,
        organization=customer.organization,
        partner=customer,
        status=User.Status.READY,
    )
    joining.open_account(rosa)
    rosa.save()

    person = new_page()
    person.goto("/login/")
    if language == "en":
        switch_to_english(person)
    log_in(person, t, email, PASSWORD)
    person.get_by_role("link", name=t["my_account"]).click()
    expect(person.get_by_role("heading", name=t["my_account"])).to_be_visible()
    shot(person, f"{language}-my-account", doc=f"{language}/my-account")
    assert_accessible(person)

    # The password: the current one, then the new one twice.
    person.get_by_role("link", name=t["change_password"]).click()
    field(person, t["current_password"]).fill(PASSWORD)
    field(person, t["new_password"]).fill(NEW_PASSWORD)
    field(person, t["repeat_password"]).fill(NEW_PASSWORD)
    shot(person, f"{language}-my-account-password", doc=f"{language}/my-account-password")
    assert_accessible(person)
    person.get_by_role("button", name=t["save_password"]).click()
    expect(person.get_by_text(t["password_saved"])).to_be_visible()
    person.get_by_role("button", name=t["log_out"]).click()
    person.goto("/login/")
    log_in(person, t, email, PASSWORD)
    expect(person).to_have_url(re.compile(r"/login/$"))  # the old one no longer opens it
    log_in(person, t, email, NEW_PASSWORD)
    expect(person).not_to_have_url(re.compile(r"/login/"))

    # The email address: asked with the password, confirmed from the link sent to the new one.
    person.get_by_role("link", name=t["my_account"]).click()
    person.get_by_role("link", name=t["change_email"]).click()
    field(person, t["new_email"]).fill(new_email)
    field(person, t["current_password"]).fill(NEW_PASSWORD)
    person.get_by_role("button", name=t["send_link"]).click()
    expect(person.get_by_role("heading", name=t["check"])).to_be_visible()
    shot(person, f"{language}-my-account-email-sent", doc=f"{language}/my-account-email-sent")
    assert_accessible(person)

    run_worker()
    person.goto("/dev/mailbox/")
    person.get_by_role("row").filter(has_text=new_email).get_by_role("link").click()
    expect(person.locator("pre.mail-text")).to_contain_text("/e/")
    person.frame_locator("iframe.mail").get_by_role("link", name=t["email_button"]).click()
    expect(person).to_have_url(re.compile(r"/account/email/confirm/$"))  # the token left the address
    expect(person.get_by_role("heading", name=t["confirm"])).to_be_visible()
    shot(person, f"{language}-my-account-email-confirm", doc=f"{language}/my-account-email-confirm")
    assert_accessible(person)
    person.get_by_role("button", name=t["use"]).click()
    expect(person.get_by_text(f"{t['now']} {new_email}.")).to_be_visible()

    # The old address was told; the new one signs in.
    run_worker()
    person.goto("/dev/mailbox/")
    expect(person.get_by_role("row").filter(has_text=email)).to_have_count(1)
    person.goto("/account/")
    person.get_by_role("button", name=t["log_out"]).click()
    person.goto("/login/")
    log_in(person, t, new_email, NEW_PASSWORD)
    expect(person).not_to_have_url(re.compile(r"/login/"))
    assert person.js_errors == []
