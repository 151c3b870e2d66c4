"""Flow 1 in a real browser: the admin adds a customer's person, who activates with the emailed
link, logs in with the temporary password, must choose a new one, and shows as ready.

Once in Spanish (the organization's language) and once in English (chosen with the page's
language switch), reading the email in the development mailbox as a person would.
"""

import re

import pytest
from playwright.sync_api import expect

from enlace.accounts.forms import customer_label
from enlace.accounts.models import User
from tests.conftest import PASSWORD, ec_cedula, run_worker
from tests.e2e.conftest import assert_accessible, field_value, shot

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Cuenca-Loja-2026!"

TEXT = {
    "es": {
        "login_user": "Usuario o correo electrónico",
        "password": "Contraseña",
        "log_in": "Iniciar sesión",
        "portal_users": "Usuarios del portal",
        "add": "Agregar",
        "username": "Usuario",
        "customer": "Cliente",
        "search_customer": "Buscar un cliente por código, identificación tributaria o nombre",
        "first_names": "Nombres",
        "last_names": "Apellidos",
        "email": "Correo electrónico",
        "enable": "Habilitar este usuario para el portal de compras",
        "confirm": "Confirmar",
        "pending": "Pendiente de activación",
        "activate": "Activar mi cuenta",
        "active": "Su cuenta está activa",
        "new_password": "Nueva contraseña",
        "repeat_password": "Repita la nueva contraseña",
        "save_password": "Guardar mi contraseña",
        "ready": "Listo para usar el portal de compras B2B",
        "log_out": "Cerrar sesión",
    },
    "en": {
        "login_user": "Username or email",
        "password": "Password",
        "log_in": "Log in",
        "portal_users": "Portal users",
        "add": "Add",
        "username": "Username",
        "customer": "Customer",
        "search_customer": "Find a customer by code, tax ID or name",
        "first_names": "First names",
        "last_names": "Last names",
        "email": "Email",
        "enable": "Enable this user for the purchase portal",
        "confirm": "Confirm",
        "pending": "Pending activation",
        "activate": "Activate my account",
        "active": "Your account is active",
        "new_password": "New password",
        "repeat_password": "Repeat the new password",
        "save_password": "Save my password",
        "ready": "Ready to use the B2B purchase portal",
        "log_out": "Log out",
    },
}


def field(page, label):
    """The form field with exactly this label (Django adds a colon to it)."""
    return page.get_by_label(re.compile("^" + re.escape(label) + ":?$"))


def switch_to_english(page):
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def log_in(page, t, username, password):
    field(page, t["login_user"]).fill(username)
    field(page, t["password"]).fill(password)
    page.get_by_role("button", name=t["log_in"]).click()


@pytest.mark.parametrize("language", ["es", "en"])
def test_admin_adds_a_customer_user_who_activates_and_becomes_ready(new_page, alice, customer, language):
    t = TEXT[language]
    docs = "" if language == "en" else "es/"  # the README speaks English; the Spanish guide its own
    cedula = ec_cedula(700 + len(language))
    email = f"maria.{language}@tornillo.example"

    # The admin logs in.
    admin = new_page()
    admin.goto("/login/")
    if language == "en":
        switch_to_english(admin)
    expect(admin.get_by_role("heading", level=1)).to_be_visible()
    shot(admin, f"{language}-login", doc=f"{docs}login")
    assert_accessible(admin)
    log_in(admin, t, alice.email, PASSWORD)

    # Portal users → Add.
    admin.get_by_role("navigation").get_by_role("link", name=t["portal_users"]).click()
    expect(admin.get_by_role("heading", name=t["portal_users"])).to_be_visible()
    admin.get_by_role("link", name=t["add"], exact=True).click()
    field(admin, t["username"]).fill(cedula)
    # The customer is found with the search box (htmx fills the list), then picked.
    field(admin, t["search_customer"]).fill("Tornillo")
    customer_select = field(admin, t["customer"])
    expect(customer_select.locator("option")).to_have_count(1)
    customer_select.select_option(label=customer_label(customer))
    field(admin, t["first_names"]).fill("María José")
    field(admin, t["last_names"]).fill("Paredes")
    field(admin, t["email"]).fill(email)
    expect(field(admin, t["enable"])).to_be_checked()
    shot(admin, f"{language}-add-user", doc=f"{docs}add-user")
    assert_accessible(admin)
    admin.get_by_role("button", name=t["confirm"]).click()

    # The list shows the new person as pending activation.
    row = admin.get_by_role("row").filter(has_text=cedula)
    expect(row).to_contain_text(t["pending"])
    shot(admin, f"{language}-portal-users-pending", doc=f"{docs}portal-users-pending")
    assert_accessible(admin)
    assert User.objects.get(username=cedula).status == User.Status.PENDING_ACTIVATION

    # The worker sends the email; the person reads it in the development mailbox.
    run_worker()
    person = new_page()
    person.goto("/dev/mailbox/")
    person.get_by_role("row").filter(has_text=email).get_by_role("link").click()
    text = person.locator("pre.mail-text").inner_text()
    username = field_value(text, "Usuario", "Username")  # the organization speaks Spanish
    temporary = field_value(text, "Contraseña temporal", "Temporary password")
    assert username == cedula
    shot(person, f"{language}-activation-email", doc=f"{docs}activation-email")
    # The button inside the email itself, as rendered in the mailbox's frame.
    email_html = person.frame_locator("iframe.mail")
    email_html.get_by_role("link", name=re.compile("Activar mi cuenta|Activate my account")).click()

    # Opening the link only shows the button; pressing it activates.
    expect(person).to_have_url(re.compile(r"/activate/$"))
    if language == "en":
        switch_to_english(person)
    shot(person, f"{language}-activate", doc=f"{docs}activate")
    assert_accessible(person)
    assert User.objects.get(username=cedula).status == User.Status.PENDING_ACTIVATION
    person.get_by_role("button", name=t["activate"]).click()
    expect(person.get_by_role("heading", name=t["active"])).to_be_visible()
    person.get_by_role("link", name=t["log_in"]).click()

    # The temporary password leads only to the set-password page.
    log_in(person, t, username, temporary)
    expect(person).to_have_url(re.compile(r"/password/$"))
    person.goto("/customers/")
    expect(person).to_have_url(re.compile(r"/password/$"))
    shot(person, f"{language}-set-password", doc=f"{docs}set-password")
    assert_accessible(person)
    field(person, t["new_password"]).fill(NEW_PASSWORD)
    field(person, t["repeat_password"]).fill(NEW_PASSWORD)
    person.get_by_role("button", name=t["save_password"]).click()
    expect(person.get_by_text(t["ready"])).to_be_visible()
    shot(person, f"{language}-ready", doc=f"{docs}ready")
    assert_accessible(person)

    # The admin's list now shows the person ready.
    admin.reload()
    expect(admin.get_by_role("row").filter(has_text=cedula)).to_contain_text(t["ready"])
    shot(admin, f"{language}-portal-users", doc=f"{docs}portal-users")
    assert User.objects.get(username=cedula).status == User.Status.READY

    # The temporary password no longer opens the account; the new one does.
    person.get_by_role("button", name=t["log_out"]).click()
    log_in(person, t, username, temporary)
    expect(person).to_have_url(re.compile(r"/login/$"))
    log_in(person, t, username, NEW_PASSWORD)
    expect(person.get_by_text(t["ready"])).to_be_visible()
    assert admin.js_errors == [] and person.js_errors == []
