"""A buyer's file question: the supplier answers it with a PDF, JPEG or PNG file, checked as a
profile document is; only the company's people and that buyer's staff (and its API keys) read
the file; a replaced or removed file is deleted."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from enlace.api.keys import create_api_key
from enlace.profiles import questionnaires
from enlace.profiles.models import Answer, ProfileReview, Question
from tests.api.conftest import ApiClient
from tests.conftest import make_staff
from tests.profiles.conftest import browser_of
from tests.profiles.files import HOSTILE, PDF, PNG, upload
from tests.profiles.helpers import post_company
from tests.profiles.test_document_uploads import stored_files

Kind = Question.Kind


@pytest.fixture
def certificate(acme, alice):
    return questionnaires.publish_question(
        organization=acme, by=alice, text="Certificado ISO 9001 vigente", kind=Kind.FILE, required=True
    )


def answers_url(organization):
    return reverse("profiles:answer_questions", args=[organization.pk])


def file_url(organization, question):
    return reverse("profiles:answer_file", args=[organization.pk, question.key])


def buyer_file_url(partner, question):
    return reverse("profiles:supplier_answer_file", args=[partner.pk, question.key])


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_the_supplier_answers_with_a_file_and_the_buyer_downloads_it(
    acme, alice, rosa_client, steel, certificate, django_capture_on_commit_callbacks
):
    page = rosa_client.get(reverse("profiles:buyer_review", args=[acme.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert "Un archivo PDF, JPEG o PNG de hasta 10" in page

    response = rosa_client.post(answers_url(acme), {str(certificate.key): upload("iso 9001.pdf", PDF)})
    assert response.status_code == 302
    answer = Answer.objects.get(company=steel.company, key=certificate.key)
    assert answer.value == {"name": "iso_9001.pdf", "content_type": "application/pdf", "size": len(PDF)}
    assert [path.read_bytes() for path in stored_files()] == [PDF]
    page = rosa_client.get(reverse("profiles:buyer_review", args=[acme.pk])).content.decode()
    assert "Archivo actual" in page and "Quitar el archivo" in page and "Reemplazar por" in page
    assert file_url(acme, certificate) in page

    # The buyer's admin reads the answer on the supplier's profile and downloads the very bytes.
    profile = browser_of(alice).get(reverse("profiles:supplier_profile", args=[steel.pk])).content.decode()
    assert buyer_file_url(steel, certificate) in profile and "iso_9001.pdf" in profile
    response = browser_of(alice).get(buyer_file_url(steel, certificate))
    assert downloaded(response) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]
    assert downloaded(rosa_client.get(file_url(acme, certificate))) == PDF

    # The required question is answered: the profile can be submitted.
    post_company(rosa_client)
    rosa_client.post(reverse("profiles:submit_to_buyer", args=[acme.pk]))
    assert ProfileReview.objects.get(organization=acme).state == ProfileReview.State.SUBMITTED

    # Saving the answers again without a file keeps it; a new file takes its place, and the old
    # one is deleted once that is saved.
    rosa_client.post(answers_url(acme), {})
    assert Answer.objects.get(key=certificate.key).value["name"] == "iso_9001.pdf"
    with django_capture_on_commit_callbacks(execute=True):
        rosa_client.post(answers_url(acme), {str(certificate.key): upload("scan.png", PNG, "image/png")})
    assert Answer.objects.get(key=certificate.key).value["content_type"] == "image/png"
    assert [path.read_bytes() for path in stored_files()] == [PNG]
    # The input's "clear" box removes the answer and its file.
    with django_capture_on_commit_callbacks(execute=True):
        rosa_client.post(answers_url(acme), {f"{certificate.key}-clear": "on"})
    assert not Answer.objects.filter(key=certificate.key).exists()
    assert stored_files() == []


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", ["a PDF with JavaScript", "an executable renamed .pdf", "an empty file"])
def test_a_hostile_file_is_refused_with_a_message_and_nothing_is_kept(
    acme, rosa_client, steel, certificate, hostile
):
    name, content, content_type = HOSTILE[hostile]
    response = rosa_client.post(
        answers_url(acme), {str(certificate.key): upload(name, content, content_type)}
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Answer.objects.exists()
    assert stored_files() == []


@pytest.mark.django_db
def test_one_refused_answer_keeps_every_file_of_the_same_save_out(acme, alice, rosa_client, certificate):
    other = questionnaires.publish_question(organization=acme, by=alice, text="Póliza", kind=Kind.FILE)
    employees = questionnaires.publish_question(
        organization=acme, by=alice, text="Empleados", kind=Kind.NUMBER
    )
    response = rosa_client.post(
        answers_url(acme),
        {
            str(certificate.key): upload(),
            str(other.key): upload("póliza.png", PNG, "image/png"),
            str(employees.key): "x",
        },
    )
    assert response.status_code == 400
    assert not Answer.objects.exists()
    assert stored_files() == []


@pytest.mark.django_db
def test_a_save_too_large_for_its_files_is_refused_before_it_is_read(
    acme, rosa_client, certificate, settings
):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 4096
    big = upload("grande.pdf", PDF + b"%" * 300_000)
    response = rosa_client.post(answers_url(acme), {str(certificate.key): big}, follow=True)
    assert "Los archivos enviados juntos pesan más de" in response.content.decode()
    assert not Answer.objects.exists() and stored_files() == []


@pytest.mark.django_db
def test_only_the_company_and_that_buyer_read_an_answers_file(
    acme, alice, rosa_client, steel, steel_at_initech, initech, tom, luis, charlie, certificate
):
    rosa_client.post(answers_url(acme), {str(certificate.key): upload()})
    # The same company's person brought in by another buyer: it is the company's file.
    assert downloaded(browser_of(tom).get(file_url(acme, certificate))) == PDF
    # Initech has the same company as supplier, but the question is Acme's: 404.
    initech_admin = make_staff("ana@initech.example", initech)
    assert browser_of(initech_admin).get(buyer_file_url(steel_at_initech, certificate)).status_code == 404
    # Another buyer's admin, another supplier of Acme: 404.
    assert browser_of(charlie).get(buyer_file_url(steel, certificate)).status_code == 404
    assert browser_of(luis).get(file_url(acme, certificate)).status_code == 404
    assert browser_of(luis).get(buyer_file_url(steel, certificate)).status_code == 404
    # Signed out: the sign-in page.
    assert "/login" in Client().get(buyer_file_url(steel, certificate))["Location"]

    acme_api = ApiClient(create_api_key(organization=acme, name="ERP", by=alice)[1])
    body = {item["question"]: item for item in acme_api.get(f"/suppliers/{steel.pk}/answers").json()}
    assert body[str(certificate.key)]["answer"]["value"] == {
        "name": "certificado.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
    }
    response = acme_api.get(f"/suppliers/{steel.pk}/answers/{certificate.key}/file")
    assert response.status_code == 200 and downloaded(response) == PDF
    initech_api = ApiClient(create_api_key(organization=initech, name="ERP", by=initech_admin)[1])
    assert (
        initech_api.get(f"/suppliers/{steel_at_initech.pk}/answers/{certificate.key}/file").status_code == 404
    )
    globex_api = ApiClient(
        create_api_key(organization=charlie.memberships.get().organization, name="ERP", by=charlie)[1]
    )
    assert globex_api.get(f"/suppliers/{steel.pk}/answers/{certificate.key}/file").status_code == 404


@pytest.mark.django_db
def test_the_api_downloads_a_profile_document_for_connected_buyers_only(
    acme, alice, rosa_client, steel, charlie, globex
):
    rosa_client.post(
        reverse("profiles:add_document"),
        {"kind": "tax_registration", "file": upload(), "issued_on": "", "expires_on": ""},
    )
    acme_api = ApiClient(create_api_key(organization=acme, name="ERP", by=alice)[1])
    document = acme_api.get(f"/suppliers/{steel.pk}/profile").json()["data"]["documents"][0]
    response = acme_api.get(f"/suppliers/{steel.pk}/documents/{document['id']}/file")
    assert response.status_code == 200 and downloaded(response) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    globex_api = ApiClient(create_api_key(organization=globex, name="ERP", by=charlie)[1])
    assert globex_api.get(f"/suppliers/{steel.pk}/documents/{document['id']}/file").status_code == 404
    assert acme_api.get(f"/suppliers/{steel.pk}/documents/{uuid.uuid4()}/file").status_code == 404


@pytest.mark.django_db
def test_a_file_question_turned_into_text_drops_the_file_once_answered_again(
    acme, alice, rosa, rosa_client, steel, certificate, django_capture_on_commit_callbacks
):
    rosa_client.post(answers_url(acme), {str(certificate.key): upload()})
    text = questionnaires.publish_question(
        organization=acme,
        by=alice,
        text="Número del certificado ISO 9001",
        kind=Kind.SHORT_TEXT,
        key=certificate.key,
    )
    with django_capture_on_commit_callbacks(execute=True):
        questionnaires.save_answers(
            organization=acme, company=steel.company, by=rosa, raw={str(text.key): "CO-123"}
        )
    answer = Answer.objects.get(key=certificate.key)
    assert (answer.value, answer.file.name) == ("CO-123", "")
    assert stored_files() == []


@pytest.mark.django_db
def test_the_buyers_downloads_of_a_suppliers_files_are_in_its_audit_trail(
    acme, alice, rosa_client, steel, certificate
):
    from enlace.audit.models import AuditEvent

    rosa_client.post(answers_url(acme), {str(certificate.key): upload("iso.pdf")})
    rosa_client.post(
        reverse("profiles:add_document"),
        {"kind": "tax_registration", "file": upload("ruc.pdf"), "issued_on": "", "expires_on": ""},
    )
    document = rosa_client.get(reverse("profiles:overview")).context["documents"][0]
    # The company's own people reading their files: not recorded.
    downloaded(rosa_client.get(reverse("profiles:document_file", args=[document["id"]])))
    downloaded(rosa_client.get(file_url(acme, certificate)))
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SUPPLIER_FILE_READ).exists()

    downloaded(browser_of(alice).get(reverse("profiles:document_file", args=[document["id"]])))
    downloaded(browser_of(alice).get(buyer_file_url(steel, certificate)))
    api = ApiClient(create_api_key(organization=acme, name="ERP", by=alice)[1])
    downloaded(api.get(f"/suppliers/{steel.pk}/documents/{document['id']}/file"))
    events = AuditEvent.objects.filter(action=AuditEvent.Action.SUPPLIER_FILE_READ).order_by("pk")
    assert [(e.organization, e.partner, e.actor and e.actor.email, e.detail) for e in events] == [
        (acme, steel, "alice@acme.example", "ruc.pdf"),
        (acme, steel, "alice@acme.example", "iso.pdf"),
        (acme, steel, None, "ruc.pdf"),
    ]
