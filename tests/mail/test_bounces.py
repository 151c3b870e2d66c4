"""A provider's signed bounce webhook marks the invitation failed; an unsigned call is refused."""

import base64
import json

import pytest
from django.core import mail

from enlace.accounts.services import create_customer_user, resend_activation
from enlace.invitations.models import Invitation
from tests.conftest import ec_cedula, run_worker

SECRET = "provider:a-long-webhook-secret"
URL = "/mail/provider/postmark/tracking/"


def bounce(invitation_id, generation, email="maria@tornillo.example"):
    return {
        "RecordType": "Bounce",
        "ID": 42,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": "pm-1",
        "Email": email,
        "Description": "The server was unable to deliver your message.",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist",
        "BouncedAt": "2026-11-24T10:00:00Z",
        "Tag": "",
        "Metadata": {"invitation": str(invitation_id), "generation": str(generation)},
    }


def post(client, payload, auth=SECRET):
    headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    return client.post(URL, json.dumps(payload), content_type="application/json", **headers)


@pytest.fixture
def sent_invitation(settings, alice, customer):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    user = create_customer_user(
        organization=customer.organization,
        by=alice,
        username=ec_cedula(31),
        partner=customer,
        email="maria@tornillo.example",
    )
    run_worker()
    assert mail.outbox[-1].metadata == {"invitation": str(user.invitations.get().pk), "generation": "1"}
    return user.invitations.get()


@pytest.mark.django_db
def test_a_signed_bounce_fails_the_invitation_with_the_reason(client, sent_invitation):
    assert sent_invitation.state == Invitation.State.SENT
    assert post(client, bounce(sent_invitation.pk, 1)).status_code == 200
    sent_invitation.refresh_from_db()
    assert sent_invitation.state == Invitation.State.FAILED
    assert "550 5.1.1" in sent_invitation.delivery_error
    assert sent_invitation.audit_events.filter(action="failed").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("auth", [None, "provider:wrong-secret"])
def test_an_unsigned_or_wrongly_signed_call_is_refused(client, sent_invitation, auth):
    assert post(client, bounce(sent_invitation.pk, 1), auth=auth).status_code in (400, 403)
    sent_invitation.refresh_from_db()
    assert sent_invitation.state == Invitation.State.SENT


@pytest.mark.django_db
def test_a_bounce_of_a_message_replaced_by_a_resend_changes_nothing(client, sent_invitation, alice):
    resend_activation(user=sent_invitation.user, by=alice)
    run_worker()
    assert post(client, bounce(sent_invitation.pk, 1)).status_code == 200
    sent_invitation.refresh_from_db()
    assert sent_invitation.state == Invitation.State.SENT and sent_invitation.generation == 2


def test_without_a_configured_secret_every_call_is_refused(client, db):
    assert post(client, bounce(1, 1), auth="guess:guess").status_code in (400, 403)
