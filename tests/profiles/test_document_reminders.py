"""The company's people are emailed 30 and 7 days before one of its documents expires, each
reminder once, each person in their language; nobody is reminded of a replaced document, nor
is a disabled person."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from enlace.profiles.documents import add_document
from enlace.profiles.models import Document
from enlace.worker.periodic import registered, run_periodic_work
from tests.conftest import run_worker
from tests.profiles.conftest import browser_of, make_supplier_person
from tests.profiles.files import upload

ZONE = datetime.timezone(datetime.timedelta(hours=-5))  # Guayaquil, the server's zone
EXPIRY = datetime.date(2027, 3, 31)


def morning(day):
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=ZONE)


def days_before(days):
    return morning(EXPIRY - datetime.timedelta(days=days))


def remind_on(moment):
    """A worker's minute on that day: the periodic jobs, then the emails they queued."""
    with time_machine.travel(moment, tick=False):
        done = run_periodic_work()
        run_worker()
    return done["document_reminders"]


def sent():
    messages = [(message.to[0], message.subject) for message in mail.outbox]
    mail.outbox.clear()
    return sorted(messages)


@pytest.fixture
def certificate(rosa, tom, steel):
    with time_machine.travel(days_before(60), tick=False):
        add_document(
            company=steel.company,
            by=rosa,
            kind="tax_registration",
            upload=upload("RUC.pdf"),
            expires_on=EXPIRY,
        )
    mail.outbox.clear()
    return Document.objects.get()


@pytest.mark.django_db
def test_reminders_go_at_30_and_7_days_once_each(certificate, steel, luis):
    disabled = make_supplier_person(steel, "ex@aceros.example", "Ex")
    disabled.is_active = False
    disabled.save()
    assert "document_reminders" in registered()
    assert remind_on(days_before(31)) == 0 and sent() == []
    assert remind_on(days_before(30)) == 1
    assert sent() == [
        ("rosa@aceros.example", "Certificado de registro tributario de Aceros del Sur vence en 30 días"),
        ("tom@aceros.example", "Tax registration certificate of Aceros del Sur expires in 30 days"),
    ]
    # The next minute, and the next day: nothing again.
    assert remind_on(days_before(30) + datetime.timedelta(minutes=1)) == 0
    assert remind_on(days_before(29)) == 0 and sent() == []
    assert remind_on(days_before(7)) == 1
    assert [subject for _, subject in sent()] == [
        "Certificado de registro tributario de Aceros del Sur vence en 7 días",
        "Tax registration certificate of Aceros del Sur expires in 7 days",
    ]
    for day in (6, 1, 0, -1, -30):
        assert remind_on(days_before(day)) == 0
    assert sent() == []


@pytest.mark.django_db
def test_the_email_says_what_expires_when_and_links_the_documents(certificate):
    remind_on(days_before(30))
    spanish = next(message for message in mail.outbox if message.to == ["rosa@aceros.example"])
    assert spanish.body.startswith("Hola Rosa:")
    assert (
        "«Certificado de registro tributario» (RUC.pdf) del perfil de Aceros del Sur"
        " vence el 31 de marzo de 2027" in spanish.body
    )
    assert "https://enlace.test" + reverse("profiles:documents") in spanish.body


@pytest.mark.django_db
def test_a_document_uploaded_close_to_its_expiry_gets_the_last_reminder_only(rosa, steel):
    with time_machine.travel(days_before(5), tick=False):
        add_document(company=steel.company, by=rosa, kind="insurance", upload=upload(), expires_on=EXPIRY)
    assert remind_on(days_before(5)) == 1
    assert [subject for _, subject in sent()] == ["Certificado de seguro de Aceros del Sur vence en 5 días"]
    assert remind_on(days_before(4)) == 0


@pytest.mark.django_db
def test_a_replaced_document_is_not_reminded_but_its_renewal_is(certificate, rosa, tom, steel):
    with time_machine.travel(days_before(40), tick=False):
        browser_of(rosa).post(
            reverse("profiles:replace_document", args=[certificate.public_id]),
            {"file": upload("RUC 2028.pdf"), "expires_on": "2028-03-31"},
        )
    assert remind_on(days_before(30)) == 0 and remind_on(days_before(7)) == 0
    assert sent() == []


@pytest.mark.django_db
def test_a_person_disabled_after_the_reminder_was_queued_is_not_emailed(certificate, tom):
    with time_machine.travel(days_before(30), tick=False):
        assert run_periodic_work()["document_reminders"] == 1
        tom.is_active = False
        tom.save()
        run_worker()
    assert [to for to, _ in sent()] == ["rosa@aceros.example"]
