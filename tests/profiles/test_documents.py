"""A supplier's people add, replace and remove documents in the company profile, each change a
version; the company's people and its buyers' staff download the files, nobody else does; an
expired document is flagged on the profile's pages."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from enlace.accounts.models import User
from enlace.profiles.models import Document, ProfileVersion
from tests.conftest import make_staff
from tests.profiles.conftest import browser_of
from tests.profiles.files import JPEG, PDF, PNG, upload
from tests.profiles.helpers import post_company
from tests.profiles.test_document_uploads import post_document, stored_files

DOCUMENTS = reverse("profiles:documents")


def file_url(document):
    return reverse("profiles:document_file", args=[document.public_id])


def profile_url(partner):
    return reverse("profiles:supplier_profile", args=[partner.pk])


def in_days(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def documents_section(page):
    start = page.index('id="profile-documents"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def certificate(rosa_client, steel):
    """The company's tax registration certificate, a PDF valid for a year."""
    post_document(rosa_client, upload("RUC.pdf", PDF), issued_on=in_days(-30), expires_on=in_days(335))
    return Document.objects.get()


@pytest.mark.django_db
def test_adding_replacing_and_removing_are_versions_a_buyer_compares(
    rosa_client, steel, alice_client, certificate
):
    post_company(rosa_client)  # version 2
    replace = reverse("profiles:replace_document", args=[certificate.public_id])
    response = rosa_client.post(replace, {"file": upload("RUC 2027.pdf", PDF), "expires_on": in_days(700)})
    assert response.status_code == 302
    post_document(rosa_client, upload("poliza.jpg", JPEG, "image/jpeg"), kind="insurance")
    versions = list(ProfileVersion.objects.filter(company=steel.company).order_by("number"))
    assert [len(v.data["documents"]) for v in versions] == [1, 1, 1, 2]
    renewed = Document.objects.get(name="RUC_2027.pdf")
    assert versions[2].data["documents"][0]["id"] == str(renewed.public_id)
    assert Document.objects.get(pk=certificate.pk).withdrawn_at is not None
    # The buyer compares the latest version with version 2: the file replaced, a document added.
    page = alice_client.get(profile_url(steel), {"since": 2}).content.decode()
    since = page[page.index('id="since-heading"') : page.index('id="profile-company"')]
    assert "Documento 1 · Archivo" in since and "RUC.pdf" in since and "RUC_2027.pdf" in since
    assert "Documento 2" in since and "Certificado de seguro" in since and "poliza.jpg" in since
    # Dates read as dates in the page's language, not as stored.
    assert "Documento 1 · Fecha de vencimiento" in since and in_days(700) not in since
    with translation.override("es"):
        assert date_format(datetime.date.fromisoformat(in_days(700)), "DATE_FORMAT") in since
    # Removing the insurance: version 5, and the profile lists the certificate alone.
    insurance = Document.objects.get(kind="insurance")
    remove = reverse("profiles:remove_document", args=[insurance.public_id])
    assert rosa_client.get(remove).status_code == 405
    assert rosa_client.post(remove).status_code == 302
    latest = ProfileVersion.objects.filter(company=steel.company).first()
    assert latest.number == 5 and [d["name"] for d in latest.data["documents"]] == ["RUC_2027.pdf"]
    page = alice_client.get(profile_url(steel)).content.decode()
    documents = documents_section(page)
    assert "RUC_2027.pdf" in documents and "poliza.jpg" not in documents
    version_5 = page[page.index('id="version-5"') : page.index('id="version-4"')]
    assert "Documento 2" in version_5 and "poliza.jpg" in version_5
    # Every file stays for the versions that hold it.
    assert len(stored_files()) == 3


@pytest.mark.django_db
def test_the_company_and_its_buyers_staff_download_the_file(
    rosa_client, tom, bob, initech, steel, steel_at_initech, alice_client, certificate
):
    initech_admin = make_staff("ines@initech.example", initech)
    for who, browser in {
        "the uploader": rosa_client,
        "a person of the company brought by another buyer": browser_of(tom),
        "the buyer's admin": alice_client,
        "the buyer's member": browser_of(bob),
        "the other buyer's admin": browser_of(initech_admin),
    }.items():
        response = browser.get(file_url(certificate))
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == PDF, who
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="RUC.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
    # The profile pages link the file.
    assert file_url(certificate) in rosa_client.get(reverse("profiles:overview")).content.decode()
    assert file_url(certificate) in alice_client.get(profile_url(steel)).content.decode()


@pytest.mark.django_db
def test_nobody_else_reaches_the_file_or_the_document_pages(
    acme, globex, charlie, luis, customer, certificate
):
    """Another buyer (not connected), another supplier's person, a customer's user: 404 on the
    file and on every document page; a stranger is sent to sign in."""
    customer_user = User.objects.create_user(
        username="0912345678",
        email="carla@cliente.example",
        password="x",
        profile=User.Profile.CUSTOMER,
        organization=acme,
        partner=customer,
        status=User.Status.READY,
    )
    replace = reverse("profiles:replace_document", args=[certificate.public_id])
    remove = reverse("profiles:remove_document", args=[certificate.public_id])
    own_pages = [DOCUMENTS, reverse("profiles:add_document"), replace]
    for who, browser in {
        "another buyer's admin": browser_of(charlie),
        "another supplier's person": browser_of(luis),
        "a customer's user": browser_of(customer_user),
    }.items():
        response = browser.get(file_url(certificate))
        assert response.status_code == 404, who
        assert PDF not in response.content, who
        assert browser.get(replace).status_code == 404, who
        assert browser.post(remove).status_code == 404, who
        assert browser.post(replace, {"file": upload()}).status_code == 404, who
    # Another supplier's person has pages of their own, without this company's documents.
    page = browser_of(luis).get(DOCUMENTS).content.decode()
    assert "RUC.pdf" not in page
    # A document id that does not exist answers the same as one that is not yours.
    assert (
        browser_of(luis)
        .get(reverse("profiles:document_file", args=["6f1c1f3e-0000-4000-8000-000000000000"]))
        .status_code
        == 404
    )
    stranger = Client()
    for url in [file_url(certificate), *own_pages]:
        response = stranger.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), url
    assert ProfileVersion.objects.count() == 1 and Document.objects.get().withdrawn_at is None


@pytest.mark.django_db
def test_a_buyers_staff_cannot_change_documents(alice_client, certificate):
    for url in (
        reverse("profiles:add_document"),
        reverse("profiles:replace_document", args=[certificate.public_id]),
    ):
        assert alice_client.post(url, {"kind": "bank", "file": upload()}).status_code == 404
    assert (
        alice_client.post(reverse("profiles:remove_document", args=[certificate.public_id])).status_code
        == 404
    )
    assert ProfileVersion.objects.count() == 1


@pytest.mark.django_db
def test_an_expired_document_is_flagged_to_buyers_and_to_the_company(rosa_client, steel, alice_client, bob):
    post_document(rosa_client, upload("RUC.pdf", PDF), expires_on=in_days(-1))
    post_document(rosa_client, upload("sello.png", PNG, "image/png"), kind="quality", expires_on=in_days(10))
    post_document(rosa_client, upload("escritura.pdf", PDF), kind="incorporation")
    for browser, url in (
        (alice_client, profile_url(steel)),
        (browser_of(bob), profile_url(steel)),
        (rosa_client, reverse("profiles:overview")),
        (rosa_client, DOCUMENTS),
    ):
        page = browser.get(url).content.decode()
        documents = documents_section(page)
        assert "1 documento está vencido." in documents, url
        rows = documents.split("<tr")
        expired_row = next(row for row in rows if "RUC.pdf" in row)
        assert "Vencido" in expired_row
        assert "Vencido" not in next(row for row in rows if "sello.png" in row)
        assert "No vence" in next(row for row in rows if "escritura.pdf" in row)
    assert "Suba los renovados." in rosa_client.get(DOCUMENTS).content.decode()
    assert "Suba los renovados." not in alice_client.get(profile_url(steel)).content.decode()


@pytest.mark.django_db
def test_a_replaced_file_stays_readable_for_the_versions_that_held_it(rosa_client, alice_client, certificate):
    replace = reverse("profiles:replace_document", args=[certificate.public_id])
    rosa_client.post(replace, {"file": upload("nuevo.pdf", PDF)})
    assert alice_client.get(file_url(certificate)).status_code == 200
    # It is no longer the profile's: replacing or removing it again is not found.
    assert rosa_client.get(replace).status_code == 404
    assert (
        rosa_client.post(reverse("profiles:remove_document", args=[certificate.public_id])).status_code == 404
    )
