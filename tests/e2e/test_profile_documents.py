"""A supplier's person uploads a certificate (a PDF) to the company profile in a real browser,
sees a renamed program refused, and the buyer's admin downloads the PDF from the supplier's
profile. In Spanish and in English."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from enlace.accounts.joining import open_account
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_accessible, shot
from tests.e2e.test_company_profile import TEXT as PROFILE_TEXT
from tests.e2e.test_company_profile import sign_in
from tests.e2e.test_customer_user_flow import field
from tests.partners.suppliers import add_supplier
from tests.profiles.conftest import make_supplier_person
from tests.profiles.files import PDF

pytestmark = pytest.mark.e2e

TEXT = {
    "es": {
        **PROFILE_TEXT["es"],
        "manage": "Gestionar los documentos",
        "add": "Agregar un documento",
        "kind": "Tipo de documento",
        "kind_value": "Certificado de registro tributario",
        "file": "Archivo",
        "expires": "Fecha de vencimiento",
        "upload": "Subir",
        "refused": "no es un PDF, JPEG ni PNG",
        "documents": "Documentos",
    },
    "en": {
        **PROFILE_TEXT["en"],
        "manage": "Manage documents",
        "add": "Add a document",
        "kind": "Kind of document",
        "kind_value": "Tax registration certificate",
        "file": "File",
        "expires": "Expiry date",
        "upload": "Upload",
        "refused": "is not a PDF, JPEG or PNG file",
        "documents": "Documents",
    },
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_supplier_uploads_a_pdf_and_the_buyers_admin_downloads_it(
    new_page, acme, alice, language, tmp_path
):
    t = TEXT[language]
    steel = add_supplier(acme, 1, name="Aceros del Sur")
    rosa = make_supplier_person(steel, f"rosa.{language}@aceros.example", "Rosa")
    rosa.set_password(PASSWORD)
    open_account(rosa)
    rosa.save()
    certificate = tmp_path / "RUC 2026.pdf"
    certificate.write_bytes(PDF)
    program = tmp_path / "factura.pdf"
    program.write_bytes(b"MZ\x90\x00" + b"\x00" * 500)

    supplier = new_page()
    sign_in(supplier, t, language, rosa.email)
    supplier.get_by_role("link", name=t["profile"]).click()
    supplier.get_by_role("link", name=t["manage"]).click()
    supplier.get_by_role("link", name=t["add"]).click()
    # A program renamed .pdf: refused, with the reason, and the form is there to try again.
    field(supplier, t["kind"]).select_option(label=t["kind_value"])
    field(supplier, t["file"]).set_input_files(program)
    supplier.get_by_role("button", name=t["upload"]).click()
    expect(supplier.get_by_role("alert")).to_contain_text(t["refused"])
    assert_accessible(supplier)
    field(supplier, t["kind"]).select_option(label=t["kind_value"])
    field(supplier, t["file"]).set_input_files(certificate)
    field(supplier, t["expires"]).fill("2030-12-31")
    supplier.get_by_role("button", name=t["upload"]).click()
    expect(supplier.get_by_text(t["saved"])).to_be_visible()
    expect(supplier.get_by_role("link", name="RUC_2026.pdf")).to_be_visible()
    shot(supplier, f"{language}-profile-documents", doc=f"{language}/profile-documents")
    assert_accessible(supplier)

    buyer = new_page()
    sign_in(buyer, t, language, alice.email)
    buyer.get_by_role("navigation").get_by_role("link", name=t["suppliers"]).click()
    buyer.get_by_role("link", name=f"{t['profile']} Aceros del Sur").click()
    documents = buyer.locator("section", has=buyer.get_by_role("heading", name=t["documents"], exact=True))
    expect(documents).to_contain_text(t["kind_value"])
    with buyer.expect_download() as download:
        documents.get_by_role("link", name="RUC_2026.pdf").click()
    assert download.value.suggested_filename == "RUC_2026.pdf"
    assert Path(download.value.path()).read_bytes() == PDF
    assert supplier.js_errors == [] and buyer.js_errors == []
