"""An organization's sending rate, one recipient per message, and the SMTP URL settings."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult

from enlace.accounts.samples import queue_sample_invitations
from enlace.invitations.emails import invitation_email
from enlace.invitations.models import Invitation
from enlace.lib.env import email_settings
from enlace.lib.forms import normalize_email
from enlace.mail.rendering import message
from tests.conftest import run_worker

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_sending_rate_defers_the_rest_without_holding_up_other_organizations(
    smtp_server, acme, customer, globex
):
    from enlace.partners.models import Partner
    from enlace.partners.services import create_partner

    acme.mail_rate_per_minute = 3
    acme.save()
    other = create_partner(
        organization=globex, kind=Partner.Kind.CUSTOMER, tax_id="900123456", code="G1", name="Bogotá Ltda."
    )
    with time_machine.travel(START, tick=False) as clock:
        slow = queue_sample_invitations(organization=acme, partner=customer, count=7)
        fast = queue_sample_invitations(organization=globex, partner=other, count=4, start=100)
        run_worker()
        sent = Invitation.objects.filter(state="sent")
        assert sent.filter(organization=acme).count() == 3  # this minute's share
        assert sent.filter(organization=globex).count() == 4  # not held up
        assert DBTaskResult.objects.filter(status="READY").get().run_after == START + dt.timedelta(seconds=20)
        clock.shift(dt.timedelta(seconds=20))
        run_worker()
        assert sent.filter(organization=acme).count() == 4  # then one each 20 seconds
        clock.shift(dt.timedelta(minutes=2))
        for _ in range(3):
            run_worker()
            clock.shift(dt.timedelta(seconds=20))
    assert {i.pk for i in Invitation.objects.filter(state="sent")} == {i.pk for i in slow + fast}
    assert len(smtp_server.messages) == 11


@pytest.mark.parametrize(
    "address",
    ["ana@tornillo.example\r\nBcc: all@victims.example", "ana@tornillo.example\nTo: x@y.example"],
)
def test_an_address_with_a_line_break_is_refused_at_validation(address):
    with pytest.raises(ValidationError):
        normalize_email(address)


@pytest.mark.django_db
def test_a_name_with_a_line_break_cannot_add_a_header_or_a_recipient(smtp_server, acme, customer):
    [invitation] = queue_sample_invitations(organization=acme, partner=customer, count=1)
    Invitation.objects.filter(pk=invitation.pk).update(first_name="Ana\r\nBcc: all@victims.example")
    acme.name = "Acme\r\nBcc: all@victims.example"
    acme.save()
    built = message(invitation_email(Invitation.objects.get(pk=invitation.pk)))
    assert built.recipients() == [invitation.email]
    run_worker()
    [received] = smtp_server.messages
    assert smtp_server.handler.envelopes == [[invitation.email]]
    assert received["Bcc"] is None and received.get_all("To") == [invitation.email]


def test_smtp_with_starttls_and_authentication_parses_to_djangos_settings():
    assert email_settings("smtp+tls://mailer%40acme.example:s%3Acret@smtp.example.com?timeout=10") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer@acme.example",
        "EMAIL_HOST_PASSWORD": "s:cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
    }
    implicit_tls = email_settings("smtps://user:pass@smtp.example.com")
    assert implicit_tls["EMAIL_PORT"] == 465 and implicit_tls["EMAIL_USE_SSL"] is True
    assert implicit_tls["EMAIL_USE_TLS"] is False
