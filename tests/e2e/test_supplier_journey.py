"""The whole journey of a supplier in a real browser, in Spanish and in English: two buyers invite
the same company; it registers once, fills its profile once (company data, a contact, a bank
account, a PDF document), answers each buyer's own question (a certificate file for one, a yes or
no for the other) and submits it to both; the first buyer asks for a correction of one
field, which the supplier reads, makes and submits again; both approve; then a new bank account
number sends both approvals back to review, naming the bank accounts, and every step's email
reaches the mailbox."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from enlace.accounts.supplier_invitations import invite_partner
from enlace.mail.models import MailboxMessage
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from enlace.profiles.questionnaires import publish_question
from tests.conftest import PASSWORD, make_org, make_staff, run_worker
from tests.e2e.conftest import assert_accessible, field_value, shot
from tests.e2e.test_customer_user_flow import field, log_in, switch_to_english
from tests.profiles.files import PDF

pytestmark = pytest.mark.e2e

# A loaded machine with two cores: every wait is on a page's text, and a generous one.
WAIT = 30_000
SUPPLIER = "Distribuidora Andina"
EMAIL = "gerencia@andina.example"
OWN_PASSWORD = "Ambato-Riobamba-88"
CERTIFICATE_QUESTION = "Certificado ISO 9001 / ISO 9001 certificate"
EXPORT_QUESTION = "¿Exporta? / Do you export?"
COMMENT = "La razón social lleva S.A. / The legal name ends in S.A."

TEXT = {
    "es": {
        "login_user": "Usuario o correo electrónico",
        "password": "Contraseña",
        "log_in": "Iniciar sesión",
        "your_code": "Su código de activación",
        "code": "Código de activación",
        "continue": "Continuar",
        "first_names": "Nombres",
        "last_names": "Apellidos",
        "repeat": "Repita la contraseña",
        "create_account": "Confirmar y crear mi cuenta",
        "partner_of": "socio comercial de {buyer}",
        "profile": "Perfil de la empresa",
        "edit_company": "Editar los datos de la empresa",
        "edit_contacts": "Editar los contactos",
        "edit_banks": "Editar las cuentas bancarias",
        "legal_name": "Razón social",
        "city": "Ciudad",
        "save": "Guardar",
        "saved": "Guardado como versión",
        "manage": "Gestionar los documentos",
        "add": "Agregar un documento",
        "kind": "Tipo de documento",
        "kind_value": "Certificado de registro tributario",
        "file": "Archivo",
        "expires": "Fecha de vencimiento",
        "upload": "Subir",
        "submit": "Enviar a {buyer}",
        "save_answers": "Guardar las respuestas",
        "answers_saved": "Sus respuestas se guardaron.",
        "yes": "Sí",
        "submitted": "{buyer} recibió la versión",
        "suppliers": "Proveedores",
        "request_changes": "Pedir cambios",
        "requested": "Se pidieron los cambios",
        "approve": "Aprobar",
        "approved": "Se aprobó el perfil.",
        "to_correct": "Campos por corregir",
        "state_submitted": "Enviado",
        "state_changes": "Cambios pedidos",
        "state_approved": "Aprobado",
        "critical": "Campos críticos cambiados: Cuentas bancarias",
        "asks_changes": "{buyer} pide cambios",
        "bank_accounts": "cuentas bancarias",
    },
    "en": {
        "login_user": "Username or email",
        "password": "Password",
        "log_in": "Log in",
        "your_code": "Your activation code",
        "code": "Activation code",
        "continue": "Continue",
        "first_names": "First names",
        "last_names": "Last names",
        "repeat": "Repeat the password",
        "create_account": "Confirm and create my account",
        "partner_of": "a partner of {buyer}",
        "profile": "Company profile",
        "edit_company": "Edit company data",
        "edit_contacts": "Edit contacts",
        "edit_banks": "Edit bank accounts",
        "legal_name": "Legal name",
        "city": "City",
        "save": "Save",
        "saved": "Saved as version",
        "manage": "Manage documents",
        "add": "Add a document",
        "kind": "Kind of document",
        "kind_value": "Tax registration certificate",
        "file": "File",
        "expires": "Expiry date",
        "upload": "Upload",
        "submit": "Submit to {buyer}",
        "save_answers": "Save the answers",
        "answers_saved": "Your answers were saved.",
        "yes": "Yes",
        "submitted": "{buyer} received version",
        "suppliers": "Suppliers",
        "request_changes": "Request changes",
        "requested": "The changes were requested",
        "approve": "Approve",
        "approved": "The profile was approved.",
        "to_correct": "Fields to correct",
        "state_submitted": "Submitted",
        "state_changes": "Changes requested",
        "state_approved": "Approved",
        "critical": "Critical fields changed: Bank accounts",
        "asks_changes": "{buyer} asks for changes",
        "bank_accounts": "bank accounts",
    },
}


# --- helpers: each one a step a person takes ----------------------------------------------------


def shows(page, text):
    """Wait until the page's main content reads `text`."""
    expect(page.get_by_role("main")).to_contain_text(text, timeout=WAIT)


def open_page(new_page, language, email=None):
    """A person's browser on the login page; signed in as `email`, if given. In English, the
    person chooses it (once signed in, the choice is theirs, for the emails too)."""
    page = new_page()
    page.set_default_timeout(WAIT)
    page.goto("/login/")
    if email:
        log_in(page, TEXT["es"], email, PASSWORD)
        expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible(timeout=WAIT)
    if language == "en":
        switch_to_english(page)
    return page


def open_email(page, subject_part):
    """The newest email whose subject holds `subject_part`, read in the development mailbox."""
    page.goto("/dev/mailbox/")
    page.get_by_role("row").filter(has_text=subject_part).get_by_role("link").first.click()
    return page.locator("pre.mail-text").inner_text(timeout=WAIT)


def register_with_code(page, t, text):
    code = field_value(text, t["your_code"])
    page.locator("pre.mail-text a", has_text="/supplier/register/").click()
    page.get_by_label(re.compile("^" + t["code"])).fill(code)
    page.get_by_role("button", name=t["continue"]).click()
    field(page, t["first_names"]).fill("Gabriela")
    field(page, t["last_names"]).fill("Salazar")
    field(page, t["password"]).fill(OWN_PASSWORD)
    field(page, t["repeat"]).fill(OWN_PASSWORD)
    page.get_by_role("button", name=t["create_account"]).click()


def go_to_profile(page, t):
    page.get_by_role("link", name=t["profile"], exact=True).click()
    expect(page.get_by_role("link", name=t["edit_banks"])).to_be_visible(timeout=WAIT)


def save(page, t):
    page.get_by_role("button", name=t["save"]).click()
    shows(page, t["saved"])


def fill_profile(page, t, certificate):
    go_to_profile(page, t)
    page.get_by_role("link", name=t["edit_company"]).click()
    field(page, t["legal_name"]).fill("Distribuidora Andina")
    field(page, t["city"]).fill("Ambato")
    save(page, t)

    page.get_by_role("link", name=t["edit_contacts"]).click()
    page.locator("#id_contacts-0-name").fill("Gabriela Salazar")
    page.locator("#id_contacts-0-email").fill(EMAIL)
    page.locator("#id_contacts-0-phone").fill("099 123 4567")
    save(page, t)

    bank_account_number(page, t, "2100123456")

    go_to_profile(page, t)
    page.get_by_role("link", name=t["manage"]).click()
    page.get_by_role("link", name=t["add"]).click()
    field(page, t["kind"]).select_option(label=t["kind_value"])
    field(page, t["file"]).set_input_files(certificate)
    field(page, t["expires"]).fill("2030-12-31")
    page.get_by_role("button", name=t["upload"]).click()
    shows(page, t["saved"])
    expect(page.get_by_role("link", name="RUC_2026.pdf")).to_be_visible(timeout=WAIT)


def answer_questions(page, t, buyer, answer):
    """On the buyer's review page, `answer` fills in its questions, then they are saved."""
    go_to_profile(page, t)
    page.get_by_role("link", name=buyer).click()
    answer(page)
    page.get_by_role("button", name=t["save_answers"]).click()
    shows(page, t["answers_saved"])


def bank_account_number(page, t, number):
    go_to_profile(page, t)
    page.get_by_role("link", name=t["edit_banks"]).click()
    page.locator("#id_bank_accounts-0-bank").fill("Banco Pichincha")
    page.locator("#id_bank_accounts-0-number").fill(number)
    page.locator("#id_bank_accounts-0-holder").fill("Distribuidora Andina S.A.")
    save(page, t)


def submit_to(page, t, buyer):
    go_to_profile(page, t)
    page.get_by_role("button", name=t["submit"].format(buyer=buyer)).click()
    shows(page, t["submitted"].format(buyer=buyer))


def review_states(page, t):
    """The supplier's table of its buyers' reviews: buyer → state."""
    go_to_profile(page, t)
    rows = page.locator("#profile-buyers ~ table tbody tr")
    return {
        rows.nth(n).locator("td").first.inner_text(): rows.nth(n).locator(".review-state").inner_text()
        for n in range(rows.count())
    }


def open_supplier_profile(page, t):
    page.get_by_role("navigation").get_by_role("link", name=t["suppliers"]).click()
    page.get_by_role("link", name=f"{t['profile']} {SUPPLIER}").click()
    expect(page.locator("#review-heading .review-state")).to_be_visible(timeout=WAIT)


def review_state(page):
    return page.locator("#review-heading .review-state")


def emails_to(address, subject_part=""):
    return list(
        MailboxMessage.objects.filter(to__icontains=address, subject__contains=subject_part).order_by("pk")
    )


# --- the journey ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_supplier_invited_by_two_buyers_is_reviewed_by_both_and_a_new_bank_account_reopens_them(
    new_page, acme, alice, language, tmp_path
):
    t = TEXT[language]
    acme.language = language
    acme.save()
    globex = make_org("globex", language=language)
    charlie = make_staff("charlie@globex.example", globex)
    # Each buyer has the company in its directory and invites it.
    for organization, admin in ((acme, alice), (globex, charlie)):
        partner = create_partner(
            organization=organization,
            kind=Partner.Kind.SUPPLIER,
            tax_id=ec_ruc(11),
            name=SUPPLIER,
            email=EMAIL,
        )
        invite_partner(organization=organization, partner=partner, emails=[EMAIL], by=admin)
    # Each buyer asks a question of its own, required before submitting.
    publish_question(organization=acme, by=alice, text=CERTIFICATE_QUESTION, kind="file", required=True)
    publish_question(organization=globex, by=charlie, text=EXPORT_QUESTION, kind="yes_no", required=True)
    run_worker()
    assert len(emails_to(EMAIL)) == 2
    certificate = tmp_path / "RUC 2026.pdf"
    certificate.write_bytes(PDF)

    # The supplier registers once, with the first buyer's code, and fills its profile once.
    supplier = open_page(new_page, language)
    register_with_code(supplier, t, open_email(supplier, "Acme S.A."))
    shows(supplier, t["partner_of"].format(buyer="Acme S.A."))
    fill_profile(supplier, t, certificate)
    iso = tmp_path / "ISO 9001.pdf"
    iso.write_bytes(PDF)
    answer_questions(
        supplier,
        t,
        "Acme S.A.",
        lambda page: page.get_by_label(re.compile("^Certificado ISO")).set_input_files(iso),
    )
    expect(supplier.get_by_role("link", name="ISO_9001.pdf")).to_be_visible(timeout=WAIT)
    shot(supplier, f"{language}-journey-file-answer", doc=f"{language}/buyer-questions")
    assert_accessible(supplier)
    answer_questions(
        supplier,
        t,
        "Globex S.A.",
        lambda page: page.get_by_role("group", name=re.compile("Exporta")).get_by_label(t["yes"]).check(),
    )
    submit_to(supplier, t, "Acme S.A.")
    submit_to(supplier, t, "Globex S.A.")
    assert review_states(supplier, t) == {
        "Acme S.A.": t["state_submitted"],
        "Globex S.A.": t["state_submitted"],
    }

    # Buyer A asks for a correction of the legal name.
    buyer_a = open_page(new_page, language, alice.email)
    open_supplier_profile(buyer_a, t)
    # It reads the answer to its question and downloads the certificate, the very bytes.
    with buyer_a.expect_download() as download:
        buyer_a.get_by_role("link", name="ISO_9001.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
    buyer_a.get_by_role("link", name=t["request_changes"]).click()
    field(buyer_a, t["legal_name"]).fill(COMMENT)
    buyer_a.get_by_role("button", name=t["request_changes"]).click()
    shows(buyer_a, t["requested"])
    expect(review_state(buyer_a)).to_have_text(t["state_changes"], timeout=WAIT)
    run_worker()

    # The supplier reads the comment in the email and on the buyer's review, corrects, resubmits.
    text = open_email(supplier, t["asks_changes"].format(buyer="Acme S.A."))
    assert COMMENT in text
    supplier.goto("/")
    go_to_profile(supplier, t)
    supplier.get_by_role("link", name="Acme S.A.").click()
    expect(supplier.locator(".review-comments")).to_contain_text(COMMENT, timeout=WAIT)
    shows(supplier, t["to_correct"])
    shot(supplier, f"{language}-journey-changes-requested")
    assert_accessible(supplier)
    go_to_profile(supplier, t)
    supplier.get_by_role("link", name=t["edit_company"]).click()
    field(supplier, t["legal_name"]).fill("Distribuidora Andina S.A.")
    save(supplier, t)
    submit_to(supplier, t, "Acme S.A.")

    # Both buyers approve.
    open_supplier_profile(buyer_a, t)
    expect(review_state(buyer_a)).to_have_text(t["state_submitted"], timeout=WAIT)
    buyer_a.get_by_role("button", name=t["approve"]).click()
    shows(buyer_a, t["approved"])
    buyer_b = open_page(new_page, language, charlie.email)
    open_supplier_profile(buyer_b, t)
    buyer_b.get_by_role("button", name=t["approve"]).click()
    shows(buyer_b, t["approved"])
    expect(review_state(buyer_b)).to_have_text(t["state_approved"], timeout=WAIT)
    assert review_states(supplier, t) == {
        "Acme S.A.": t["state_approved"],
        "Globex S.A.": t["state_approved"],
    }

    # A new account number sends both approvals back to review, naming the bank accounts.
    bank_account_number(supplier, t, "2100999988")
    assert review_states(supplier, t) == {
        "Acme S.A.": t["state_submitted"],
        "Globex S.A.": t["state_submitted"],
    }
    shot(supplier, f"{language}-journey-back-to-review", doc=f"{language}/profile-buyers-reopened")
    assert_accessible(supplier)
    supplier.get_by_role("link", name="Acme S.A.").click()
    shows(supplier, t["critical"])
    for buyer in (buyer_a, buyer_b):
        buyer.reload()
        expect(review_state(buyer)).to_have_text(t["state_submitted"], timeout=WAIT)
        shows(buyer, t["critical"])
    shot(buyer_a, f"{language}-journey-buyer-reopened", doc=f"{language}/profile-review-reopened")
    assert_accessible(buyer_a)

    # Every step's email reached the mailbox. To the supplier: both invitations, the request for
    # changes, both approvals, and a bank change twice (the account added, then its new number).
    # To each buyer's admin: each submission (Acme's twice), then the review needed again.
    run_worker()
    to_supplier = [message.subject for message in emails_to(EMAIL)]
    assert len(to_supplier) == 2 + 1 + 2 + 2, to_supplier
    assert sum("Acme S.A." in subject for subject in to_supplier) == 1 + 1 + 1
    assert sum("Globex S.A." in subject for subject in to_supplier) == 1 + 1
    assert sum(SUPPLIER in subject for subject in to_supplier) == 2
    for admin, buyer, submissions in ((alice, "Acme S.A.", 2), (charlie, "Globex S.A.", 1)):
        *submitted, reopened = emails_to(admin.email, SUPPLIER)
        assert len(submitted) == submissions
        # Each names the buyer it was submitted to and links to the profile to review.
        assert all(buyer in message.text_body and "/profile/" in message.text_body for message in submitted)
        assert t["bank_accounts"] in reopened.text_body
    for page in (supplier, buyer_a, buyer_b):
        assert page.js_errors == []
