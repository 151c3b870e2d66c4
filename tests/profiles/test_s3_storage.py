"""The companies' files in an S3-compatible store (ENLACE_DOCUMENTS_S3_*), here a real S3 server
speaking HTTP on 127.0.0.1 (moto's): the same pages store, serve and delete them as on disk."""

import boto3
import pytest
from django.urls import reverse
from moto.server import ThreadedMotoServer

from enlace.lib.env import documents_storage_settings
from enlace.profiles import questionnaires
from enlace.profiles.models import Answer, Question
from tests.profiles.conftest import browser_of
from tests.profiles.files import HOSTILE, PDF, PNG, upload

BUCKET = "enlace-documents"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, monkeypatch, settings):
    for name, value in {
        "BUCKET": BUCKET,
        "ENDPOINT_URL": s3_endpoint,
        "REGION": "us-east-1",
        "ACCESS_KEY_ID": "enlace-test",
        "SECRET_ACCESS_KEY": "enlace-test-secret",
    }.items():
        monkeypatch.setenv(f"ENLACE_DOCUMENTS_S3_{name}", value)
    settings.STORAGES = {**settings.STORAGES, "documents": documents_storage_settings("/nowhere")}
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="enlace-test",
        aws_secret_access_key="enlace-test-secret",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def stored(bucket) -> dict[str, bytes]:
    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return {key: bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}


def test_without_a_bucket_the_files_stay_in_a_directory(monkeypatch):
    monkeypatch.delenv("ENLACE_DOCUMENTS_S3_BUCKET", raising=False)
    monkeypatch.setenv("ENLACE_DOCUMENTS_ROOT", "/srv/enlace/documents")
    assert documents_storage_settings("/default") == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": "/srv/enlace/documents"},
    }


@pytest.mark.django_db
def test_documents_and_file_answers_live_in_the_bucket(
    bucket, acme, alice, rosa_client, steel, django_capture_on_commit_callbacks
):
    add = reverse("profiles:add_document")
    fields = {"kind": "tax_registration", "issued_on": "", "expires_on": ""}
    name, content, content_type = HOSTILE["a PDF with JavaScript"]
    assert rosa_client.post(add, {**fields, "file": upload(name, content, content_type)}).status_code == 200
    assert stored(bucket) == {}  # refused: nothing written

    assert rosa_client.post(add, {**fields, "file": upload()}).status_code == 302
    [(key, content)] = stored(bucket).items()
    assert key.startswith("documents/") and content == PDF
    document = rosa_client.get(reverse("profiles:overview")).context["documents"][0]
    response = browser_of(alice).get(reverse("profiles:document_file", args=[document["id"]]))
    assert b"".join(response.streaming_content) == PDF

    question = questionnaires.publish_question(
        organization=acme, by=alice, text="Póliza", kind=Question.Kind.FILE
    )
    answers = reverse("profiles:answer_questions", args=[acme.pk])
    rosa_client.post(answers, {str(question.key): upload("póliza.png", PNG, "image/png")})
    answer_key = "documents/" + Answer.objects.get().file.name
    assert stored(bucket)[answer_key] == PNG
    file_url = reverse("profiles:supplier_answer_file", args=[steel.pk, question.key])
    assert b"".join(browser_of(alice).get(file_url).streaming_content) == PNG
    # A replaced answer's file is deleted from the bucket; the document stays.
    with django_capture_on_commit_callbacks(execute=True):
        rosa_client.post(answers, {str(question.key): upload("póliza.pdf", PDF)})
    assert answer_key not in stored(bucket) and key in stored(bucket)
    assert len(stored(bucket)) == 2
