"""Two-factor sign-in in a real browser, in Spanish and English: an administrator sets it up by
typing the key shown on the page into "their app" (the test computes the code), keeps the
recovery codes, signs out, and signs in again with a recovery code."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_org, make_staff
from tests.e2e.conftest import assert_accessible, shot

pytestmark = pytest.mark.e2e

TEXTS = {
    "es": {
        "locale": "es-EC",
        "log_in": "Iniciar sesión",
        "username": "Usuario o correo",
        "password": "Contraseña",
        "menu": "Verificación en dos pasos",
        "set_up": "Configurar la verificación en dos pasos",
        "code": "Código",
        "confirm": "Confirmar",
        "saved": "Ya los guardé, continuar",
        "log_out": "Cerrar sesión",
        "sign_in": "Ingresar",
        "is_on": "Activada.",
    },
    "en": {
        "locale": "en-US",
        "log_in": "Log in",
        "username": "Username or email",
        "password": "Password",
        "menu": "Two-factor sign-in",
        "set_up": "Set up two-factor sign-in",
        "code": "Code",
        "confirm": "Confirm",
        "saved": "I have saved them, continue",
        "log_out": "Log out",
        "sign_in": "Sign in",
        "is_on": "On.",
    },
}


def log_in(page, email, texts):
    page.goto("/login/")
    page.get_by_label(re.compile("^" + texts["username"])).fill(email)
    page.get_by_label(re.compile("^" + texts["password"])).fill(PASSWORD)
    page.get_by_role("button", name=texts["log_in"]).click()


def code_from_app(secret: str) -> str:
    """What an authenticator app shows for the key typed from the page."""
    return f"{totp(b32decode(secret.replace(' ', ''))):06d}"


@pytest.mark.parametrize("language", ["es", "en"])
def test_an_administrator_sets_it_up_and_signs_in_with_a_recovery_code(new_page, db, language):
    texts = TEXTS[language]
    organization = make_org(f"acme-{language}", language=language)
    admin = make_staff(f"admin@{language}.example", organization)
    admin.language = language
    admin.save(update_fields=["language"])
    page = new_page(locale=texts["locale"])

    log_in(page, f"admin@{language}.example", texts)
    page.get_by_role("link", name=texts["menu"]).click()
    page.get_by_role("link", name=texts["set_up"]).click()
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert_accessible(page)
    shot(page, f"{language}-two-factor-enrol", doc=f"{language}/two-factor-enrol")

    secret = page.locator("#two-factor-secret").inner_text()
    page.get_by_label(re.compile("^" + texts["code"])).fill(code_from_app(secret))
    page.get_by_role("button", name=texts["confirm"]).click()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shot(page, f"{language}-two-factor-recovery-codes", doc=f"{language}/two-factor-recovery-codes")
    page.get_by_role("link", name=texts["saved"]).click()
    page.get_by_role("link", name=texts["menu"]).click()
    expect(page.get_by_role("main")).to_contain_text(texts["is_on"])

    page.get_by_role("button", name=texts["log_out"]).click()
    log_in(page, f"admin@{language}.example", texts)
    expect(page).to_have_url(re.compile("/login/code/$"))
    # Nothing else is reachable before the code.
    page.goto("/suppliers/")
    expect(page).to_have_url(re.compile("/login/"))
    page.go_back()
    page.goto("/login/code/")
    assert_accessible(page)
    shot(page, f"{language}-two-factor-code", doc=f"{language}/two-factor-code")
    page.get_by_label(re.compile("^" + texts["code"])).fill(codes[0])
    page.get_by_role("button", name=texts["sign_in"]).click()
    expect(page.get_by_role("button", name=texts["log_out"])).to_be_visible()
    expect(page).not_to_have_url(re.compile("/login/"))
    assert page.js_errors == []
