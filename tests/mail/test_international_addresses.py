"""An address beyond ASCII (josé@uni.example) goes as it is, with SMTPUTF8, or not at all."""

import re

import pytest
import time_machine

from enlace.audit.models import AuditEvent
from enlace.invitations.emails import invitation_email
from enlace.invitations.models import Invitation
from enlace.mail.rendering import wire_bytes
from tests.conftest import run_worker
from tests.mail.test_delivery import START, queue, states, with_and_without_pipelining


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


JOSE = "josé@uni.example"


def to_header(content: bytes) -> bytes:
    return re.search(rb"(?m)^To: (.*?)\r?$", content).group(1)


def with_jose(invitations):
    Invitation.objects.filter(pk=invitations[1].pk).update(email=JOSE)
    return Invitation.objects.get(pk=invitations[1].pk)


@pytest.mark.django_db
def test_the_message_carries_the_address_itself_in_the_envelope_and_the_to_header(acme, customer):
    invitations = queue(acme, customer, 2)
    jose = with_jose(invitations)
    sender, recipient, data = wire_bytes(invitation_email(jose))
    assert recipient == JOSE  # not "=?utf-8?b?am9zw6k=?=@uni.example", Django's encoded word
    assert to_header(data) == JOSE.encode()
    assert sender.isascii()


@pytest.mark.django_db
@with_and_without_pipelining
def test_an_address_beyond_ascii_goes_with_smtputf8_to_a_server_that_offers_it(
    smtp_server, clock, acme, customer, pipelining
):
    smtp_server.handler.pipelining = pipelining
    invitations = queue(acme, customer, 3)
    jose = with_jose(invitations)
    run_worker()
    assert states(invitations) == {"sent": 3}
    handler = smtp_server.handler
    n = handler.envelopes.index([JOSE])  # the server saw the address itself
    assert "SMTPUTF8" in handler.mail_options[n]
    assert to_header(handler.contents[n]) == JOSE.encode()
    assert all("SMTPUTF8" not in options for m, options in enumerate(handler.mail_options) if m != n)
    assert AuditEvent.objects.get(action=AuditEvent.Action.SENT, invitation=jose).detail == JOSE
    assert handler.connections == 1


@pytest.mark.django_db
@with_and_without_pipelining
def test_without_smtputf8_such_an_address_fails_for_good_and_the_server_never_hears_of_it(
    smtp_server, clock, acme, customer, pipelining
):
    smtp_server.handler.pipelining = pipelining
    smtp_server.handler.smtputf8 = False
    invitations = queue(acme, customer, 3)
    jose = with_jose(invitations)
    run_worker()
    assert states(invitations) == {"sent": 2, "failed": 1}
    jose.refresh_from_db()
    assert jose.state == "failed" and "SMTPUTF8" in jose.delivery_error
    assert jose.delivery_error.startswith("not sent: the address has characters beyond ASCII")
    rcpts = smtp_server.handler.rcpts
    assert len(rcpts) == 2 and not any("uni.example" in r for r in rcpts)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SENT, invitation=jose).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FAILED, invitation=jose).count() == 1
    assert smtp_server.handler.connections == 1  # the others went over the same connection


@pytest.mark.django_db
def test_djangos_own_smtp_backend_cannot_send_it_so_it_fails_for_good(
    settings, smtp_server, clock, acme, customer
):
    settings.EMAIL_BACKEND = "tests.mail.test_delivery.OneAtATimeSMTPBackend"
    invitations = queue(acme, customer, 3)
    jose = with_jose(invitations)
    run_worker()
    assert states(invitations) == {"sent": 2, "failed": 1}
    jose.refresh_from_db()
    assert jose.state == "failed" and "email backend cannot send it" in jose.delivery_error
    assert not any("uni.example" in r for r in smtp_server.handler.rcpts)
