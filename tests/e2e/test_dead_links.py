"""Dead links and codes in a real browser, in Spanish and English: a supplier who types the code
from an email that was replaced reads that a newer one was sent; a person whose registration
link expired asks for a new one, finds it in the mailbox and registers with it; a used
activation link says the account is ready and leads to log in."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enlace.accounts.services import resend
from enlace.accounts.supplier_invitations import invite_partner
from enlace.invitations.models import Invitation
from enlace.invitations.services import expire_overdue_invitations
from enlace.partners.models import Partner
from enlace.partners.services import create_partner
from tests.accounts.test_registration import import_person
from tests.conftest import ec_ruc, make_org, run_worker
from tests.e2e.conftest import assert_accessible, field_value, shot
from tests.partners.suppliers import add_supplier

pytestmark = pytest.mark.e2e

OWN_PASSWORD = "Latacunga-Tena-2026"

WORDS = {
    "es": {
        "locale": "es-EC",
        "code_label": "^Código de activación",
        "code_field": "Su código de activación",
        "continue": "Continuar",
        "replaced_code": "Este código fue reemplazado por uno más reciente que Acme S.A. envió el",
        "expired": "Este enlace ha caducado",
        "renew": "Enviarme un enlace nuevo",
        "renewed": "Un nuevo correo está en camino",
        "first_names": "^Nombres",
        "password": "^Contraseña:?$",
        "password2": "^Repita la contraseña",
        "register": "Crear mi cuenta",
        "created": "Su cuenta fue creada",
        "activate": "Activar mi cuenta",
        "ready": "Su cuenta está lista",
        "log_in": "Iniciar sesión",
    },
    "en": {
        "locale": "en-US",
        "code_label": "^Activation code",
        "code_field": "Your activation code",
        "continue": "Continue",
        "replaced_code": "This code was replaced by a newer one that Initech S.A. sent on",
        "expired": "This link has expired",
        "renew": "Send me a new link",
        "renewed": "A new email is on its way",
        "first_names": "^First names",
        "password": "^Password:?$",
        "password2": "^Repeat the password",
        "register": "Create my account",
        "created": "Your account was created",
        "activate": "Activate my account",
        "ready": "Your account is ready",
        "log_in": "Log in",
    },
}


def organization_speaking(language):
    return make_org("acme" if language == "es" else "initech", language=language)


def open_newest_email(page, to):
    """In the development mailbox, open the newest message to `to`; its text."""
    page.goto("/dev/mailbox/")
    page.get_by_role("row").filter(has_text=to).first.get_by_role("link").click()
    return page.locator("pre.mail-text").inner_text()


def link_in(text, prefix):
    return re.search(r"https?://\S+" + re.escape(prefix) + r"\S+", text).group(0)


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_supplier_typing_a_replaced_code_reads_that_a_newer_one_was_sent(new_page, language):
    words = WORDS[language]
    organization = organization_speaking(language)
    partner = add_supplier(organization, 1, name="Aceros del Sur")
    invite_partner(organization=organization, partner=partner, emails=["compras@aceros.example"], by=None)
    run_worker()
    person = new_page(locale=words["locale"])
    old_code = field_value(open_newest_email(person, "compras@aceros.example"), words["code_field"])
    # The buyer sends a fresh code (a re-import with fresh codes, or Resend).
    resend(invitation=Invitation.objects.get(email="compras@aceros.example"))
    run_worker()

    person.goto("/supplier/register/")
    person.get_by_label(re.compile(words["code_label"])).fill(old_code)
    person.get_by_role("button", name=words["continue"]).click()
    expect(person.locator("main")).to_contain_text(words["replaced_code"])
    shot(person, f"{language}-code-replaced", doc=f"{language}/code-replaced")
    assert_accessible(person)

    new_code = field_value(open_newest_email(person, "compras@aceros.example"), words["code_field"])
    person.goto("/supplier/register/")
    person.get_by_label(re.compile(words["code_label"])).fill(new_code)
    person.get_by_role("button", name=words["continue"]).click()
    expect(person.locator("dl")).to_contain_text("Aceros del Sur")
    assert person.js_errors == []


@pytest.mark.parametrize("language", ["es", "en"])
def test_an_expired_link_asks_for_a_new_one_and_a_used_one_leads_to_log_in(new_page, language):
    words = WORDS[language]
    organization = organization_speaking(language)
    customer = create_partner(
        organization=organization, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(900), name="Tornillos"
    )
    _, invitation = import_person(organization, customer)
    run_worker()
    person = new_page(locale=words["locale"])
    expired_link = link_in(open_newest_email(person, "maria@tornillo.example"), "/r/")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expire_overdue_invitations()

    person.goto(expired_link)
    expect(person.get_by_role("heading", level=1)).to_have_text(words["expired"])
    expect(person.get_by_role("navigation", name=re.compile("Main|Principal"))).to_have_count(0)
    shot(person, f"{language}-link-expired", doc=f"{language}/link-expired")
    assert_accessible(person)
    person.get_by_role("button", name=words["renew"]).click()
    expect(person.get_by_role("heading", level=1)).to_have_text(words["renewed"])

    # The new email arrives in the mailbox, and its link works.
    run_worker()
    fresh_link = link_in(open_newest_email(person, "maria@tornillo.example"), "/r/")
    assert fresh_link != expired_link
    person.goto(fresh_link)
    person.get_by_label(re.compile(words["password"])).fill(OWN_PASSWORD)
    person.get_by_label(re.compile(words["password2"])).fill(OWN_PASSWORD)
    person.get_by_role("button", name=words["register"]).click()
    expect(person.get_by_role("heading", level=1)).to_have_text(words["created"])

    # The activation link, once used, says the account is ready and leads to log in.
    run_worker()
    activation_link = link_in(open_newest_email(person, "maria@tornillo.example"), "/a/")
    person.goto(activation_link)
    person.get_by_role("button", name=words["activate"]).click()
    person.context.clear_cookies()
    person.goto(activation_link)
    expect(person.get_by_role("heading", level=1)).to_have_text(words["ready"])
    shot(person, f"{language}-link-used", doc=f"{language}/link-used")
    assert_accessible(person)
    person.get_by_role("main").get_by_role("link", name=words["log_in"]).click()
    expect(person).to_have_url(re.compile("/login/"))
    assert person.js_errors == []
