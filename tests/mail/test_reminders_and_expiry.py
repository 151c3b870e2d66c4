"""The worker's periodic work: a reminder before a link expires, expiry on time."""

import datetime as dt
from email.header import decode_header, make_header

import pytest
import time_machine

from enlace.accounts.samples import queue_sample_invitations
from enlace.audit.models import AuditEvent
from enlace.invitations.models import Invitation
from enlace.worker.periodic import run_periodic_work
from tests.conftest import run_worker

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_one_reminder_goes_24_hours_before_the_link_expires(smtp_server, clock, acme, customer):
    first, used = queue_sample_invitations(organization=acme, partner=customer, count=2)
    run_worker()
    Invitation.objects.filter(pk=used.pk).update(used_at=START)
    clock.shift(dt.timedelta(hours=23))  # 25 hours before the 48-hour link expires
    run_periodic_work()
    run_worker()
    assert len(smtp_server.messages) == 2  # nothing yet
    clock.shift(dt.timedelta(hours=2))
    run_periodic_work()
    run_worker()
    reminder = smtp_server.messages[-1]
    assert len(smtp_server.messages) == 3 and reminder["To"] == first.email
    subject = str(make_header(decode_header(reminder["Subject"])))
    assert subject == "Recordatorio: tu invitación de Acme S.A. vence pronto"  # the invitee's language
    assert reminder["References"] == first.message_id
    [body] = [
        p.get_payload(decode=True).decode() for p in reminder.walk() if p.get_content_type() == "text/plain"
    ]
    assert "https://enlace.test/a/" in body and "Hola, Person 0:" in body
    assert AuditEvent.objects.filter(invitation=first, action="reminded").count() == 1
    clock.shift(dt.timedelta(hours=1))
    run_periodic_work()
    run_worker()
    assert len(smtp_server.messages) == 3  # one reminder, not one a minute


@pytest.mark.django_db
def test_an_organization_can_turn_reminders_off(smtp_server, clock, acme, customer):
    acme.reminder_hours_before_expiry = 0
    acme.save()
    queue_sample_invitations(organization=acme, partner=customer, count=1)
    run_worker()
    clock.shift(dt.timedelta(hours=30))
    run_periodic_work()
    run_worker()
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_a_link_shorter_than_the_reminder_window_gets_no_reminder(smtp_server, clock, acme, customer):
    acme.link_lifetime_hours = 12
    acme.save()
    queue_sample_invitations(organization=acme, partner=customer, count=1)
    run_worker()
    run_periodic_work()
    run_worker()
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_overdue_invitations_expire_without_anyone_looking(smtp_server, clock, acme, customer):
    [invitation] = queue_sample_invitations(organization=acme, partner=customer, count=1)
    run_worker()
    clock.shift(dt.timedelta(hours=48))
    assert run_periodic_work()["expired"] == 1
    invitation.refresh_from_db()
    assert invitation.state == "expired"
    assert AuditEvent.objects.filter(invitation=invitation, action=AuditEvent.Action.EXPIRED).exists()
