"""Forgot password in a real browser: from the login page, ask by national ID, open the link from
the development mailbox, choose a new password, and log in with it. In Spanish and in English
(the person's language, which the email and the reset page speak)."""

import re

import pytest
from playwright.sync_api import expect

from enlace.accounts.models import User
from tests.conftest import PASSWORD, ec_cedula, run_worker
from tests.e2e.conftest import assert_accessible, shot
from tests.e2e.test_customer_user_flow import field, log_in, switch_to_english

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Manta-Portoviejo-2026!"

TEXT = {
    "es": {
        "login_user": "Usuario o correo electrónico",
        "password": "Contraseña",
        "log_in": "Iniciar sesión",
        "forgot": "¿Olvidó su contraseña?",
        "send": "Enviarme un enlace",
        "check": "Revise su correo",
        "button": "Elija una nueva contraseña",
        "new_password": "Nueva contraseña",
        "repeat_password": "Repita la nueva contraseña",
        "save_password": "Guardar mi contraseña",
        "saved": "Su nueva contraseña fue guardada. Ya inició sesión.",
        "log_out": "Cerrar sesión",
    },
    "en": {
        "login_user": "Username or email",
        "password": "Password",
        "log_in": "Log in",
        "forgot": "Forgot your password?",
        "send": "Email me a link",
        "check": "Check your email",
        "button": "Choose a new password",
        "new_password": "New password",
        "repeat_password": "Repeat the new password",
        "save_password": "Save my password",
        "saved": "Your new password has been saved. You are logged in.",
        "log_out": "Log out",
    },
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_person_who_forgot_the_password_chooses_a_new_one(new_page, customer, language):
    t = TEXT[language]
    cedula = ec_cedula(800 + len(language))
    email = f"rosa.{language}@tornillo.example"
    User.objects.create_user(
        username=cedula,
        email=email,
        password=PASSWORD,
        first_name="Rosa",
        profile=User.Profile.CUSTOMER,
        organization=customer.organization,
        partner=customer,
        status=User.Status.READY,
        language=language,
    )

    person = new_page()
    person.goto("/login/")
    if language == "en":
        switch_to_english(person)
    person.get_by_role("link", name=t["forgot"]).click()
    expect(person.get_by_role("heading", name=t["forgot"])).to_be_visible()
    assert_accessible(person)
    # The national ID as people write it, with dots and a dash.
    field(person, t["login_user"]).fill(f"{cedula[:3]}.{cedula[3:6]}.{cedula[6:9]}-{cedula[9:]}")
    person.get_by_role("button", name=t["send"]).click()
    expect(person.get_by_role("heading", name=t["check"])).to_be_visible()
    shot(person, f"{language}-password-reset-requested")
    assert_accessible(person)

    # The worker sends the email; the person opens its button in the development mailbox.
    run_worker()
    person.goto("/dev/mailbox/")
    person.get_by_role("row").filter(has_text=email).get_by_role("link").click()
    expect(person.locator("pre.mail-text")).to_contain_text("/p/")
    person.frame_locator("iframe.mail").get_by_role("link", name=t["button"]).click()

    # The token leaves the address at once; the page asks for the new password.
    expect(person).to_have_url(re.compile(r"/password/reset/$"))
    expect(person.get_by_role("heading", name=t["button"])).to_be_visible()
    shot(person, f"{language}-password-reset-choose")
    assert_accessible(person)
    field(person, t["new_password"]).fill(NEW_PASSWORD)
    field(person, t["repeat_password"]).fill(NEW_PASSWORD)
    person.get_by_role("button", name=t["save_password"]).click()
    expect(person.get_by_text(t["saved"])).to_be_visible()

    # Logged out, the old password no longer opens the account; the new one does.
    person.get_by_role("button", name=t["log_out"]).click()
    person.goto("/login/")
    log_in(person, t, cedula, PASSWORD)
    expect(person).to_have_url(re.compile(r"/login/$"))
    log_in(person, t, cedula, NEW_PASSWORD)
    expect(person).not_to_have_url(re.compile(r"/login/"))
    assert person.js_errors == []
