"""A 421 for one recipient closes the connection: that recipient waits for its own retries, and
the rest of its chunk goes on over a new connection, untouched."""

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from enlace.invitations.models import Invitation
from tests.conftest import run_worker
from tests.mail.test_delivery import START, queue, states, with_and_without_pipelining


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
@with_and_without_pipelining
def test_a_421_to_one_recipient_of_twenty_delivers_the_nineteen_and_counts_its_own_attempts(
    settings, smtp_server, clock, acme, customer, pipelining
):
    settings.MAIL_MAX_ATTEMPTS = 3
    settings.MAIL_RETRY_SECONDS = 10
    smtp_server.handler.pipelining = pipelining
    invitations = queue(acme, customer, 20)
    refused = invitations[6]
    smtp_server.handler.refuse_for_now = {refused.email.lower()}
    run_worker()

    assert states(invitations) == {"sent": 19, "queued": 1}
    others = Invitation.objects.filter(pk__in=[i.pk for i in invitations]).exclude(pk=refused.pk)
    # Each of the others: one RCPT TO, one message, one attempt (its delivery), no error.
    assert set(others.values_list("delivery_attempts", "delivery_error")) == {(1, "")}
    rcpts = Counter(smtp_server.handler.rcpts)
    assert all(rcpts[i.email] == 1 for i in invitations)
    assert smtp_server.handler.connections == 2  # the one the 421 closed, and one for the rest
    waiting = Invitation.objects.get(pk=refused.pk)
    assert waiting.delivery_attempts == 1 and waiting.delivery_error.startswith("421")
    [retry] = DBTaskResult.objects.filter(status="READY")
    assert [pk for pk, _ in retry.args_kwargs["args"][0]] == [refused.pk]  # a retry of its own

    for delay in (10, 20):  # doubling from MAIL_RETRY_SECONDS
        clock.shift(dt.timedelta(seconds=delay))
        run_worker()
    waiting.refresh_from_db()
    assert waiting.state == "failed" and waiting.delivery_error.startswith("421")
    assert waiting.delivery_attempts == 3
    assert f"({waiting.delivery_attempts} attempts)" in waiting.delivery_error
    assert Counter(smtp_server.handler.rcpts)[refused.email] == 3  # one RCPT TO per attempt
    assert states(invitations) == {"sent": 19, "failed": 1}
    assert len(smtp_server.messages) == 19 and DBTaskResult.objects.filter(status="READY").count() == 0


@pytest.mark.django_db
def test_a_421_to_the_first_recipient_of_a_chunk_does_not_hold_up_the_rest(
    smtp_server, clock, acme, customer
):
    invitations = queue(acme, customer, 5)
    smtp_server.handler.refuse_for_now = {invitations[0].email.lower()}
    run_worker()
    assert states(invitations) == {"sent": 4, "queued": 1}
    assert Invitation.objects.get(state="queued").pk == invitations[0].pk


@pytest.mark.django_db
def test_a_server_that_refuses_recipients_again_and_again_is_not_asked_at_once_for_every_one(
    settings, smtp_server, clock, acme, customer
):
    settings.MAIL_RETRY_SECONDS = 10
    invitations = queue(acme, customer, 6)
    smtp_server.handler.refuse_for_now = {i.email.lower() for i in invitations}
    run_worker()
    # One new connection after the first refusal; after a second connection that delivered
    # nothing the server is taken to refuse us, and the rest waits for the retry.
    assert smtp_server.handler.connections == 2
    assert states(invitations) == {"queued": 6}
    rows = Invitation.objects.filter(pk__in=[i.pk for i in invitations])
    assert set(rows.values_list("delivery_attempts", flat=True)) == {1}  # each counted once
    assert DBTaskResult.objects.filter(status="READY").count() == 1
