"""Why an email did not arrive reads in the reader's language: Enlace's own reasons and the
count of attempts are translated when shown; a mail server's answer is shown as it came."""

import pytest
from django.urls import reverse

from enlace.invitations.delivery import fail
from enlace.invitations.failures import TASK_ENDED, with_attempts
from tests.accounts.test_registration import import_person


def requests_page(browser, language) -> str:
    browser.cookies["django_language"] = language
    return browser.get(reverse("invitations:list"), {"state": "failed"}).content.decode()


@pytest.mark.django_db
def test_enlace_s_own_reason_reads_in_each_language(alice_client, acme, customer):
    _, invitation = import_person(acme, customer)
    fail(invitation, reason=with_attempts(TASK_ENDED, 3))
    assert "su tarea de entrega terminó sin enviarlo (3 intentos)" in requests_page(alice_client, "es")
    assert "its delivery task ended without sending it (3 attempts)" in requests_page(alice_client, "en")


@pytest.mark.django_db
def test_a_server_s_answer_is_shown_as_it_came_with_the_attempts_counted(alice_client, acme, customer):
    _, invitation = import_person(acme, customer)
    fail(invitation, reason=with_attempts("452 4.2.2 Mailbox full", 1))
    assert "452 4.2.2 Mailbox full (1 intento)" in requests_page(alice_client, "es")
    assert "452 4.2.2 Mailbox full (1 attempt)" in requests_page(alice_client, "en")
