"""The documents' pages, their refusals and the reminder email read right in Spanish and in
English (the checks of tests/i18n/test_rendered_wording.py): no English left in Spanish, the
right form of each counted word."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from enlace.mail.rendering import message
from enlace.profiles.documents import expiry_reminder
from enlace.profiles.models import Document
from tests.i18n.test_rendered_wording import english_only_words, visible_text, wording_defects
from tests.profiles.conftest import browser_of
from tests.profiles.files import HOSTILE, PNG, upload
from tests.profiles.test_document_uploads import post_document


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "en"])
def test_the_documents_pages_and_reminder_read_right(rosa, bob, alice_client, steel, language):
    english_only = english_only_words()
    rosa_client, bob_client = browser_of(rosa), browser_of(bob)
    for browser in (rosa_client, bob_client, alice_client):
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    post_document(rosa_client, upload("RUC.pdf"), expires_on=yesterday)
    post_document(rosa_client, upload("sello.png", PNG, "image/png"), kind="quality", issued_on="2026-01-05")
    document = Document.objects.first()
    profile = reverse("profiles:supplier_profile", args=[steel.pk])
    responses = [
        rosa_client.get(reverse("profiles:overview")),
        rosa_client.get(reverse("profiles:documents")),
        rosa_client.get(reverse("profiles:add_document")),
        rosa_client.get(reverse("profiles:replace_document", args=[document.public_id])),
        alice_client.get(profile),
        alice_client.get(profile + "?since=1"),
        bob_client.get(profile),
    ]
    for case in ("an HTML page", "a PDF with JavaScript", "a PNG cut short"):
        name, content, content_type = HOSTILE[case]
        responses.append(post_document(rosa_client, upload(name, content, content_type)))
    problems = []
    for response in responses:
        assert response.status_code == 200, response.request["PATH_INFO"]
        text = visible_text(response.content.decode())
        problems += [
            f"{response.request['PATH_INFO']}: {p}" for p in wording_defects(text, language, english_only)
        ]
    subjects = []
    for days in (1, 7, 30):
        rosa.language = language
        email = message(
            expiry_reminder(document, rosa, today=document.expires_on - datetime.timedelta(days=days))
        )
        subjects.append(email.subject)
        problems += [
            f"email: {p}" for p in wording_defects(email.subject + "\n" + email.body, language, english_only)
        ]
    assert problems == [], "\n".join(problems)
    # Counted words: one expired document, and a reminder one day before.
    assert subjects[0].endswith("vence en 1 día" if language == "es" else "expires in 1 day")
    assert ("1 documento está vencido" if language == "es" else "1 document has expired") in visible_text(
        responses[0].content.decode()
    )
