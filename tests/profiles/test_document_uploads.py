"""What a supplier may upload as a document: a PDF, JPEG or PNG known by its bytes, within the size
limit. Anything else is refused with a message in the person's language, and leaves nothing
behind: no file in the storage, no version of the profile."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from enlace.lib.errors import DomainError
from enlace.profiles import documents, uploads
from enlace.profiles.documents import add_document
from enlace.profiles.models import Document, ProfileVersion
from tests.profiles.files import HOSTILE, JPEG, PDF, PNG, flate_stream, pdf, upload

ADD = reverse("profiles:add_document")


def stored_files() -> list[Path]:
    root = Path(settings.STORAGES["documents"]["OPTIONS"]["location"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def post_document(browser, file, kind="tax_registration", **fields):
    return browser.post(ADD, {"kind": kind, "file": file, "issued_on": "", "expires_on": "", **fields})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "content_type", "stored_name"),
    [
        ("RUC 2026.pdf", PDF, "application/pdf", "RUC_2026.pdf"),
        ("foto.JPEG", JPEG, "image/jpeg", "foto.jpg"),
        ("sello.png", PNG, "image/png", "sello.png"),
        # Known by its bytes: a PNG sent as "scan.pdf" by the browser is kept as the PNG it is.
        ("scan.pdf", PNG, "application/pdf", "scan.png"),
        ("../../etc/pass<wd>.pdf", PDF, "application/pdf", "passwd.pdf"),
    ],
)
def test_each_type_is_accepted_under_a_random_name(
    rosa_client, steel, name, content, content_type, stored_name
):
    response = post_document(rosa_client, upload(name, content, content_type))
    assert response.status_code == 302 and response.url == reverse("profiles:documents")
    document = Document.objects.get()
    assert (document.name, document.size, document.company) == (stored_name, len(content), steel.company)
    [path] = stored_files()
    assert path.read_bytes() == content
    assert path.name == document.file.name and len(path.name) >= 40 and "." not in path.name
    version = ProfileVersion.objects.get(company=steel.company)
    assert version.data["documents"] == [
        {
            "id": str(document.public_id),
            "kind": "tax_registration",
            "name": stored_name,
            "issued_on": "",
            "expires_on": "",
        }
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_is_refused_and_nothing_is_stored(rosa_client, steel, case):
    name, content, content_type = HOSTILE[case]
    response = post_document(rosa_client, upload(name, content, content_type))
    assert response.status_code == 200, case
    page = response.content.decode()
    assert 'role="alert"' in page
    assert any(
        words in page
        for words in (
            "no es un PDF, JPEG ni PNG",
            "no es un PDF legible",
            "contiene un script",
            "imagen está dañada",
            "está vacío",
        )
    ), case
    assert stored_files() == []
    assert not ProfileVersion.objects.exists() and not Document.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_limit_is_refused(rosa_client, steel, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024 * 1024
    big = pdf(b"<< /Padding (" + b"x" * (1024 * 1024) + b") >>")
    page = post_document(rosa_client, upload("grande.pdf", big)).content.decode()
    assert "El archivo pesa más de 1,0" in page and "MB" in page
    assert stored_files() == [] and not ProfileVersion.objects.exists()


@pytest.mark.django_db
def test_a_pdf_that_unpacks_to_a_bomb_is_refused(rosa_client, steel, monkeypatch):
    monkeypatch.setattr(uploads, "INFLATE_BUDGET", 1024 * 1024)
    bomb = pdf(flate_stream(b"\x00" * (2 * 1024 * 1024)))
    assert len(bomb) < 10_000
    page = post_document(rosa_client, upload("bomba.pdf", bomb)).content.decode()
    assert "se descomprime en mucho más que su tamaño" in page
    assert stored_files() == [] and not ProfileVersion.objects.exists()


@pytest.mark.django_db
def test_a_pdf_with_compressed_pages_and_no_script_is_accepted(rosa_client, steel):
    content = pdf(flate_stream(b"BT /F1 12 Tf 72 712 Td (Certificado) Tj ET"))
    assert post_document(rosa_client, upload("ok.pdf", content)).status_code == 302
    assert len(stored_files()) == 1


@pytest.mark.django_db
def test_the_refusal_reads_in_english_for_an_english_speaker(rosa_client, steel):
    rosa_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    name, content, content_type = HOSTILE["an executable renamed .pdf"]
    page = post_document(rosa_client, upload(name, content, content_type)).content.decode()
    assert "This file is not a PDF, JPEG or PNG file" in page


@pytest.mark.django_db
def test_an_expiry_before_the_issue_is_refused_before_storing(rosa_client, steel):
    page = post_document(
        rosa_client, upload(), issued_on="2026-05-01", expires_on="2026-04-01"
    ).content.decode()
    assert "La fecha de vencimiento es anterior a la fecha de emisión." in page
    assert stored_files() == [] and not ProfileVersion.objects.exists()


@pytest.mark.django_db
def test_a_save_that_fails_after_storing_takes_the_file_back(rosa, steel, monkeypatch):
    def failing_save(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(documents, "save_profile", failing_save)
    with pytest.raises(RuntimeError):
        add_document(company=steel.company, by=rosa, kind="bank", upload=upload())
    assert stored_files() == [] and not Document.objects.exists()


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_by_the_service_too(rosa, steel):
    with pytest.raises(DomainError) as refused:
        add_document(company=steel.company, by=rosa, kind="passport", upload=upload())
    assert refused.value.code == "document_kind"
    assert stored_files() == []


@pytest.mark.django_db
def test_a_request_far_over_the_limit_is_refused_before_it_is_read(rosa, rosa_client, steel, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024 * 1024
    big = pdf(b"<< /Padding (" + b"x" * (2 * 1024 * 1024) + b") >>")
    response = post_document(rosa_client, upload("grande.pdf", big))
    assert response.status_code == 302 and response.url == ADD
    page = rosa_client.get(ADD).content.decode()
    assert "El archivo pesa más de 1,0" in page
    assert stored_files() == [] and not ProfileVersion.objects.exists()


@pytest.mark.django_db
def test_the_upload_forms_still_need_their_csrf_token(rosa, steel):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(rosa)
    assert post_document(browser, upload()).status_code == 403
    assert stored_files() == [] and not ProfileVersion.objects.exists()


@pytest.mark.django_db
def test_a_profile_holds_a_limited_number_of_documents(rosa, rosa_client, steel, monkeypatch):
    monkeypatch.setattr(documents, "MAX_DOCUMENTS", 2)
    for _ in range(2):
        add_document(company=steel.company, by=rosa, kind="other", upload=upload())
    page = post_document(rosa_client, upload()).content.decode()
    assert "Un perfil tiene como máximo 2 documentos" in page
    assert len(stored_files()) == 2 and ProfileVersion.objects.count() == 2
