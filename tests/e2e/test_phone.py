"""The main pages on a 390px-wide phone: nothing to scroll sideways, nothing hidden, and the
accessibility check itself proven able to fail."""

import re

import pytest
from playwright.sync_api import expect

from enlace.accounts.services import create_customer_user
from enlace.mail.models import MailboxMessage
from tests.conftest import PASSWORD, ec_cedula, run_worker
from tests.e2e.conftest import PHONE, assert_fits, axe_violations, field_value, shot

pytestmark = pytest.mark.e2e


def test_the_main_pages_fit_a_phone_screen(new_page, alice, customer):
    create_customer_user(
        organization=customer.organization,
        by=alice,
        username=ec_cedula(900),
        partner=customer,
        email="rosa.villacis.compras@ferreteria-el-tornillo.example",
        first_name="Rosa Elena",
        last_name="Villacís Andrade",
    )
    run_worker()
    admin = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    admin.goto("/login/")
    assert_fits(admin)
    admin.get_by_label(re.compile("^Usuario o correo")).fill(alice.email)
    admin.get_by_label(re.compile("^Contraseña")).fill(PASSWORD)
    admin.get_by_role("button", name="Iniciar sesión").click()
    for path, name in [("/users/", "portal-users"), ("/users/new/", "add-user")]:
        admin.goto(path)
        shot(admin, f"phone-{name}", doc=f"phone-{name}" if name == "portal-users" else None)
        assert_fits(admin)
    # On a phone the list becomes stacked cards; the status is still there to read.
    admin.goto("/users/")
    expect(admin.get_by_role("cell", name="Pendiente de activación")).to_be_visible()

    message = MailboxMessage.objects.get(to="rosa.villacis.compras@ferreteria-el-tornillo.example")
    link = re.search(r"https?://\S+/a/\S+/", message.text_body).group(0)
    person = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    person.goto(link)
    assert_fits(person)
    person.get_by_role("button", name="Activar mi cuenta").click()
    assert_fits(person)
    person.get_by_role("link", name="Iniciar sesión").click()
    person.get_by_label(re.compile("^Usuario o correo")).fill(ec_cedula(900))
    person.get_by_label(re.compile("^Contraseña")).fill(field_value(message.text_body, "Contraseña temporal"))
    person.get_by_role("button", name="Iniciar sesión").click()
    expect(person).to_have_url(re.compile(r"/password/$"))
    shot(person, "phone-set-password")
    assert_fits(person)


def test_the_accessibility_check_finds_a_field_without_a_label(browser):
    page = browser.new_page()
    try:
        page.set_content(
            '<!doctype html><html lang="en"><title>Form</title><main><form>'
            '<input type="text" name="username"><button>Send</button></form></main></html>'
        )
        assert [v["id"] for v in axe_violations(page)] == ["label"]
    finally:
        page.context.close()
