"""The activation email travels through a real SMTP conversation and the development mailbox."""

import pytest
from django.urls import reverse

from enlace.accounts.services import create_customer_user
from enlace.mail.models import MailboxMessage
from tests.conftest import ec_cedula, run_worker


@pytest.mark.django_db
def test_the_activation_email_goes_through_a_real_smtp_server(smtp_server, alice, customer):
    create_customer_user(
        organization=customer.organization,
        by=alice,
        username=ec_cedula(11),
        partner=customer,
        email="ana@tornillo.example",
        first_name="Ana",
    )
    run_worker()
    [message] = smtp_server.messages
    assert message["To"] == "ana@tornillo.example"
    assert "Acme S.A." in message["From"]  # sent on behalf of the inviting organization
    assert message["Message-ID"].startswith("<invitation-")
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "https://enlace.test/a/" in parts["text/plain"]
    assert "Activar mi cuenta" in parts["text/html"]
    invitation = customer.invitations.get()
    assert invitation.state == "sent" and invitation.sent_at is not None


@pytest.mark.django_db
def test_the_development_mailbox_keeps_messages_and_shows_them_only_in_debug(
    settings, client, alice, customer
):
    settings.EMAIL_BACKEND = "enlace.mail.backends.MailboxBackend"
    create_customer_user(
        organization=customer.organization,
        by=alice,
        username=ec_cedula(12),
        partner=customer,
        email="luis@tornillo.example",
    )
    run_worker()
    message = MailboxMessage.objects.get()
    assert message.to == "luis@tornillo.example" and "/a/" in message.text_body
    settings.DEBUG = False
    assert client.get(reverse("mailbox")).status_code == 404
    settings.DEBUG = True
    assert "luis@tornillo.example" in client.get(reverse("mailbox")).content.decode()
    assert "/a/" in client.get(reverse("mailbox_message", args=[message.pk])).content.decode()
