"""The registration email travels through a real SMTP conversation, in the invitee's language,
on behalf of the inviting organization, and its link leads to the registration form."""

from email.header import decode_header, make_header

import pytest
from django.test import Client
from django.urls import reverse

from enlace.invitations.models import Invitation
from tests.accounts.test_registration import import_person
from tests.conftest import run_worker


@pytest.mark.django_db
def test_the_registration_email_goes_through_a_real_smtp_server(smtp_server, acme, customer):
    import_person(acme, customer, email="ana@tornillo.example", first_name="Ana", last_name="Vera")
    run_worker()
    [message] = smtp_server.messages
    assert message["To"] == "ana@tornillo.example"
    assert "Acme S.A." in str(make_header(decode_header(message["From"])))
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == "Complete su registro en el portal de compras de Acme S.A."
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    text, html = parts["text/plain"], parts["text/html"]
    assert text.startswith("Hola Ana Vera:")
    assert "Lo usará en nombre de Ferretería El Tornillo." in text
    assert "Completar mi registro" in html and "válido hasta" in html
    link = next(word for word in text.split() if word.startswith("https://enlace.test/r/"))
    browser = Client()
    browser.get(link.removeprefix("https://enlace.test"))
    assert "Complete su registro" in browser.get(reverse("accounts:register")).content.decode()
    assert Invitation.objects.get().state == Invitation.State.SENT
