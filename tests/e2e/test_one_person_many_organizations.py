"""One person, many organizations, in a real browser: a supplier's manager invited by two buyers
registers once and joins the second buyer with the same account; a customer's buyer of one
seller, registered by a second seller, activates with the password they already have. Each
then switches between the organizations from the header."""

import re

import pytest
from playwright.sync_api import expect

from enlace.accounts.joining import open_account
from enlace.accounts.models import User
from enlace.accounts.services import create_customer_user
from enlace.accounts.supplier_invitations import invite_partner
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.conftest import ec_cedula, make_org, make_staff, run_worker
from tests.e2e.conftest import assert_accessible, field_value, shot

pytestmark = pytest.mark.e2e

OWN_PASSWORD = "Ambato-Riobamba-88"


def open_email(page, subject_part):
    page.goto("/dev/mailbox/")
    page.get_by_role("row").filter(has_text=subject_part).get_by_role("link").first.click()
    return page.locator("pre.mail-text").inner_text()


def register_with_code(page, text, *, password, repeat=None):
    code = field_value(text, "Su código de activación")
    page.locator("pre.mail-text a", has_text="/supplier/register/").click()
    page.get_by_label(re.compile("^Código de activación")).fill(code)
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label(re.compile("^Nombres")).fill("Gabriela")
    page.get_by_label(re.compile("^Apellidos")).fill("Salazar")
    page.get_by_label(re.compile("^Contraseña:?$")).fill(password)
    page.get_by_label(re.compile("^Repita la contraseña")).fill(repeat or password)
    page.get_by_role("button", name="Confirmar y crear mi cuenta").click()


def switcher(page):
    return page.get_by_label("Organización", exact=True)


def test_a_supplier_invited_by_two_buyers_uses_one_account_and_sees_both(new_page, acme, alice):
    globex = make_org("globex")
    charlie = make_staff("charlie@globex.example", globex)
    for organization, admin in ((acme, alice), (globex, charlie)):
        supplier = create_partner(
            organization=organization,
            kind=Partner.Kind.SUPPLIER,
            tax_id=ec_ruc(11),
            name="Distribuidora Andina",
            email="gerencia@andina.example",
        )
        invite_partner(organization=organization, partner=supplier, emails=[supplier.email], by=admin)
    run_worker()

    # She registers with the first buyer's code: a new account.
    person = new_page()
    register_with_code(person, open_email(person, "Acme S.A."), password=OWN_PASSWORD)
    expect(person.get_by_role("main")).to_contain_text("socio comercial de Acme S.A.")
    person.get_by_role("button", name="Cerrar sesión").click()

    # The second buyer's code, with the same address: a wrong password does not join her.
    register_with_code(person, open_email(person, "Globex S.A."), password="Otra-clave-2026!")
    expect(person.get_by_role("main")).to_contain_text("Usted ya tiene una cuenta de Enlace con este correo")
    shot(person, "es-join-wrong-password")
    person.get_by_label(re.compile("^Contraseña:?$")).fill(OWN_PASSWORD)
    person.get_by_label(re.compile("^Repita la contraseña")).fill(OWN_PASSWORD)
    person.get_by_role("button", name="Confirmar y crear mi cuenta").click()
    expect(person.get_by_role("main")).to_contain_text("socio comercial de Globex S.A.")

    # One account, a user in each buyer; the header switches between them.
    users = User.objects.filter(email="gerencia@andina.example")
    assert {u.organization.slug for u in users} == {"acme", "globex"}
    assert len({u.account_id for u in users}) == 1
    expect(switcher(person).locator("option")).to_have_text(["Acme S.A.", "Globex S.A."])
    shot(person, "es-switcher", doc="es/organization-switcher")
    assert_accessible(person)
    switcher(person).select_option(label="Acme S.A.")
    expect(person.get_by_role("main")).to_contain_text("socio comercial de Acme S.A.")

    # Signing in again lands where she worked last, and the other is one choice away.
    person.get_by_role("button", name="Cerrar sesión").click()
    person.get_by_label(re.compile("^Usuario o correo")).fill("Gerencia@Andina.example")
    person.get_by_label(re.compile("^Contraseña")).fill(OWN_PASSWORD)
    person.get_by_role("button", name="Iniciar sesión").click()
    expect(person.get_by_role("main")).to_contain_text("socio comercial de Acme S.A.")
    switcher(person).select_option(label="Globex S.A.")
    expect(person.get_by_role("main")).to_contain_text("socio comercial de Globex S.A.")
    assert person.js_errors == []


def test_a_customer_user_of_one_seller_registered_by_another_activates_with_their_password(
    new_page, acme, customer, alice
):
    # A buyer of Tornillo, a customer of Acme, has used the purchase portal for a while.
    buyer = User.objects.create_user(
        username=ec_cedula(40),
        email="compras@tornillo.example",
        password=OWN_PASSWORD,
        first_name="Marta",
        profile=User.Profile.CUSTOMER,
        status=User.Status.READY,
        organization=acme,
        partner=customer,
    )
    open_account(buyer)
    buyer.save()
    # Initech, a seller that writes in English, registers the same person as its customer's user.
    initech = make_org("initech", language="en")
    admin = make_staff("admin@initech.example", initech)
    own_customer = create_partner(
        organization=initech,
        kind=Partner.Kind.CUSTOMER,
        tax_id=ec_ruc(41),
        name="Tornillo Cía. Ltda.",
        code="T-41",
    )
    create_customer_user(
        organization=initech,
        by=admin,
        username=ec_cedula(41),
        partner=own_customer,
        email="compras@tornillo.example",
        first_name="Marta",
    )
    run_worker()

    person = new_page(locale="en-US")
    text = open_email(person, "Initech S.A.")
    # No temporary password for someone who has a password: the email says which one.
    assert "Temporary password" not in text
    assert "the one of the Enlace account you already have with this email" in text
    person.locator("pre.mail-text a", has_text="/a/").click()
    expect(person.get_by_role("main")).to_contain_text(
        "You already have an Enlace account with compras@tornillo.example"
    )
    person.get_by_label(re.compile("^Password of your Enlace account")).fill("not-my-password-1")
    person.get_by_role("button", name="Activate my account").click()
    expect(person.get_by_role("main")).to_contain_text("Enter its password to join")
    shot(person, "en-join-activation", doc="en/join-activation")
    assert_accessible(person)
    person.get_by_label(re.compile("^Password of your Enlace account")).fill(OWN_PASSWORD)
    person.get_by_role("button", name="Activate my account").click()
    expect(person.get_by_role("main")).to_contain_text("a partner of Initech S.A.")
    expect(person.get_by_label("Organization", exact=True).locator("option")).to_have_text(
        ["Acme S.A.", "Initech S.A."]
    )

    # Initech's username works too, typed with dots as on the ID card, and lands in Initech.
    person.get_by_role("button", name="Log out").click()
    username = ec_cedula(41)
    person.get_by_label(re.compile("^Username or email")).fill(
        f"{username[:3]}.{username[3:6]}.{username[6:]}"
    )
    person.get_by_label(re.compile("^Password")).fill(OWN_PASSWORD)
    person.get_by_role("button", name="Log in").click()
    expect(person.get_by_role("main")).to_contain_text("a partner of Initech S.A.")
    assert User.objects.get(organization=initech).status == User.Status.READY
    assert person.js_errors == []
