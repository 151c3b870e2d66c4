"""Invitation emails go through a real SMTP server: delivered, retried, refused, cut off."""

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.core.mail.backends.smtp import EmailBackend
from django_tasks_db.models import DBTaskResult

from enlace.accounts.samples import queue_sample_invitations
from enlace.audit.models import AuditEvent
from enlace.invitations.models import Invitation
from enlace.invitations.tasks import deliver_later
from tests.conftest import run_worker

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def queue(organization, partner, count, start=0):
    return queue_sample_invitations(organization=organization, partner=partner, count=count, start=start)


def states(invitations):
    return Counter(
        Invitation.objects.filter(pk__in=[i.pk for i in invitations]).values_list("state", flat=True)
    )


def message_ids(server):
    return Counter(m["Message-ID"] for m in server.messages)


# Servers that offer PIPELINING get MAIL FROM, RCPT TO and DATA in one write; others one by one.
with_and_without_pipelining = pytest.mark.parametrize(
    "pipelining", [True, False], ids=["pipelined", "one-by-one"]
)


@pytest.mark.django_db
@with_and_without_pipelining
def test_every_invitation_of_a_chunk_is_delivered_and_recorded(
    smtp_server, clock, acme, customer, pipelining
):
    smtp_server.handler.pipelining = pipelining
    invitations = queue(acme, customer, 5)
    run_worker()
    assert states(invitations) == {"sent": 5}
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(i.email for i in invitations)
    assert all(len(rcpts) == 1 for rcpts in smtp_server.handler.envelopes)  # one recipient each
    assert smtp_server.handler.connections == 1  # the whole chunk over one connection
    assert not smtp_server.handler.pipelined_anyway  # commands one by one unless offered
    sent = Invitation.objects.get(pk=invitations[0].pk)
    assert sent.sent_at == START and sent.delivery_error == "" and sent.sending_at is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SENT).count() == 5


@pytest.mark.django_db
def test_a_421_is_retried_later_and_then_delivered_once(settings, smtp_server, clock, acme, customer):
    settings.MAIL_RETRY_SECONDS = 60
    invitations = queue(acme, customer, 3)
    smtp_server.handler.temporary_failures = 1
    run_worker()
    # The 421 answered the first message and closed the connection; the other two went on over
    # a new one.
    assert states(invitations) == {"sent": 2, "queued": 1}
    first = Invitation.objects.get(pk=invitations[0].pk)
    assert first.state == "queued"
    assert first.delivery_error.startswith("421") and first.delivery_attempts == 1
    retry = DBTaskResult.objects.ready().count(), DBTaskResult.objects.filter(status="READY").get()
    assert retry[0] == 0  # not before its time
    assert retry[1].run_after == START + dt.timedelta(seconds=60)
    assert [pk for pk, _ in retry[1].args_kwargs["args"][0]] == [first.pk]
    clock.shift(dt.timedelta(seconds=61))
    run_worker()
    assert states(invitations) == {"sent": 3}
    assert len(smtp_server.messages) == 3 and set(message_ids(smtp_server).values()) == {1}


@pytest.mark.django_db
def test_a_421_at_connect_is_retried(settings, smtp_server, clock, acme, customer):
    invitations = queue(acme, customer, 2)
    smtp_server.handler.refuse_connections = 1
    run_worker()
    assert states(invitations) == {"queued": 2}
    assert Invitation.objects.get(pk=invitations[0].pk).delivery_error.startswith("421")
    clock.shift(dt.timedelta(seconds=settings.MAIL_RETRY_SECONDS + 1))
    run_worker()
    assert states(invitations) == {"sent": 2}


@pytest.mark.django_db
@with_and_without_pipelining
def test_a_550_fails_only_that_recipient_with_the_servers_answer(
    smtp_server, clock, acme, customer, pipelining
):
    smtp_server.handler.pipelining = pipelining
    invitations = queue(acme, customer, 4)
    smtp_server.handler.refuse = {invitations[1].email}
    run_worker()
    assert states(invitations) == {"sent": 3, "failed": 1}
    failed = Invitation.objects.get(state="failed")
    assert failed.pk == invitations[1].pk
    assert failed.delivery_error == "550 5.1.1 No such user here"
    event = AuditEvent.objects.get(action=AuditEvent.Action.FAILED)
    assert event.invitation_id == failed.pk and "550" in event.detail
    assert DBTaskResult.objects.filter(status="READY").count() == 0  # nothing to retry
    assert smtp_server.handler.connections == 1  # the refusal did not cost the connection
    assert not smtp_server.handler.pipelined_anyway


@pytest.mark.django_db
def test_a_connection_dropped_mid_chunk_loses_nothing(settings, smtp_server, clock, acme, customer):
    invitations = queue(acme, customer, 6)
    smtp_server.handler.drop_after = 2
    run_worker()
    # The message the server hung up on waits for its retry; the rest went over a new connection.
    assert states(invitations) == {"sent": 5, "queued": 1}
    assert Invitation.objects.get(state="queued").pk == invitations[2].pk
    assert smtp_server.handler.connections == 2
    clock.shift(dt.timedelta(seconds=settings.MAIL_RETRY_SECONDS + 1))
    run_worker()
    assert states(invitations) == {"sent": 6}
    assert len(smtp_server.messages) == 6 and set(message_ids(smtp_server).values()) == {1}


@pytest.mark.django_db
@with_and_without_pipelining
def test_a_server_that_takes_few_messages_per_connection_gets_the_chunk_over_several(
    smtp_server, clock, acme, customer, pipelining
):
    smtp_server.handler.pipelining = pipelining
    smtp_server.handler.messages_per_connection = 3  # then "421 too many messages" to MAIL FROM
    invitations = queue(acme, customer, 10)
    run_worker()
    assert states(invitations) == {"sent": 10}  # in this run, without waiting for a retry
    assert smtp_server.handler.connections == 4
    assert set(message_ids(smtp_server).values()) == {1}
    assert not smtp_server.handler.pipelined_anyway


@pytest.mark.django_db
def test_a_server_that_refuses_us_at_once_is_not_asked_again_until_the_retry(
    settings, smtp_server, clock, acme, customer
):
    smtp_server.handler.messages_per_connection = 0
    invitations = queue(acme, customer, 4)
    run_worker()
    assert states(invitations) == {"queued": 4}
    assert smtp_server.handler.connections == 1
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the retry, with its delay
    smtp_server.handler.messages_per_connection = None
    clock.shift(dt.timedelta(seconds=settings.MAIL_RETRY_SECONDS + 1))
    run_worker()
    assert states(invitations) == {"sent": 4}


@pytest.mark.django_db
def test_a_worker_interrupted_by_force_mid_chunk_queues_the_rest_again_at_once(
    settings, smtp_server, clock, acme, customer, monkeypatch
):
    from enlace.invitations import delivery

    invitations = queue(acme, customer, 6)
    record_sent = delivery.record_sent
    calls = []

    def interrupted_at_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl+C twice, or a second SIGTERM
        return record_sent(*args, **kwargs)

    monkeypatch.setattr(delivery, "record_sent", interrupted_at_the_third)
    monkeypatch.setattr(delivery, "record_sent_and_claim", None)  # the general path on PostgreSQL too
    monkeypatch.setattr(delivery._ChunkRun, "in_one_statement", lambda *args: False)
    DBTaskResult.objects.all().delete()  # as a worker that took the chunk's task
    with pytest.raises(KeyboardInterrupt):
        delivery.deliver_chunk([[i.pk, i.generation] for i in invitations], requeue=deliver_later)
    assert states(invitations) == {"sent": 2, "queued": 4}
    again = DBTaskResult.objects.get(status="READY")
    # Queued again now, not after the ten-minute sweep of stranded invitations.
    assert again.run_after <= START
    assert [pk for pk, _ in again.args_kwargs["args"][0]] == [i.pk for i in invitations[2:]]
    monkeypatch.setattr(delivery, "record_sent", record_sent)
    clock.shift(dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS + 1))  # the third one's claim
    run_worker()
    assert states(invitations) == {"sent": 6}
    assert sum(n - 1 for n in message_ids(smtp_server).values()) <= 1  # the one in flight, at most


@pytest.mark.django_db
def test_after_the_last_attempt_the_invitation_fails_with_the_reason(
    settings, smtp_server, clock, acme, customer
):
    settings.MAIL_MAX_ATTEMPTS = 3
    settings.MAIL_RETRY_SECONDS = 10
    [invitation] = queue(acme, customer, 1)
    smtp_server.handler.refuse_connections = 100
    for delay in (0, 10, 20):  # doubling: 10 s after the first attempt, 20 s after the second
        clock.shift(dt.timedelta(seconds=delay))
        run_worker()
    invitation.refresh_from_db()
    assert invitation.state == "failed"
    assert invitation.delivery_error.startswith("421") and "(3 attempts)" in invitation.delivery_error
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FAILED, invitation=invitation).count() == 1
    assert DBTaskResult.objects.filter(status="READY").count() == 0


@pytest.mark.django_db
def test_the_same_invitation_in_two_tasks_is_sent_once(smtp_server, clock, acme, customer):
    from enlace.invitations.tasks import deliver_invitations

    invitations = queue(acme, customer, 3)
    deliver_invitations.enqueue([[i.pk, i.generation] for i in invitations])
    run_worker()
    assert states(invitations) == {"sent": 3}
    assert len(smtp_server.messages) == 3


@pytest.mark.django_db
def test_a_resent_invitation_sends_only_its_new_message(smtp_server, clock, acme, customer):
    from enlace.invitations.services import resend_invitation

    [invitation] = queue(acme, customer, 1)
    resend_invitation(invitation=invitation)
    run_worker()
    [message] = smtp_server.messages
    assert message["Message-ID"].startswith(f"<invitation-{invitation.pk}-2@")


@pytest.mark.django_db
def test_each_message_costs_a_fixed_few_statements(smtp_server, clock, acme, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enlace.invitations.delivery import deliver_chunk

    def statements(count, start):
        invitations = queue(acme, customer, count, start=start)
        with CaptureQueriesContext(connection) as queries:
            deliver_chunk([[i.pk, i.generation] for i in invitations], requeue=deliver_later)
        return len(queries)

    # Its record, its audit event and the next claim: one statement on PostgreSQL; on SQLite
    # three in a transaction (a savepoint in this test's transaction: two more). The rest is per
    # chunk: no field is fetched one invitation at a time.
    per_message = 1 if connection.vendor == "postgresql" else 5
    assert statements(20, 0) - statements(10, 100) == per_message * 10
    assert states(Invitation.objects.all()) == {"sent": 30}


class OneAtATimeSMTPBackend(EmailBackend):
    """An SMTP backend of one's own: the worker sends through its send_messages, unpipelined."""


@pytest.mark.django_db
def test_another_smtp_backend_gets_the_same_treatment_one_message_at_a_time(
    settings, smtp_server, clock, acme, customer
):
    settings.EMAIL_BACKEND = f"{__name__}.OneAtATimeSMTPBackend"
    invitations = queue(acme, customer, 4)
    smtp_server.handler.refuse = {invitations[1].email}
    run_worker()
    assert states(invitations) == {"sent": 3, "failed": 1}
    assert Invitation.objects.get(state="failed").delivery_error == "550 5.1.1 No such user here"
    assert smtp_server.handler.connections == 1


@pytest.mark.django_db
def test_invitations_held_by_another_workers_claims_wait_together_in_one_task(
    smtp_server, clock, acme, customer
):
    from enlace.invitations import delivery

    invitations = queue(acme, customer, 3)
    DBTaskResult.objects.all().delete()  # as a worker that took the chunk's task
    # Another worker claimed two of them, a few milliseconds apart.
    for n, invitation in enumerate(invitations[:2]):
        claimed = START + dt.timedelta(milliseconds=100 + 10 * n)
        Invitation.objects.filter(pk=invitation.pk).update(sending_at=claimed)
    outcome = delivery.deliver_chunk([[i.pk, i.generation] for i in invitations], requeue=deliver_later)
    assert outcome["sent"] == 1 and outcome["deferred"] == 2
    later = DBTaskResult.objects.get(status="READY")  # one task for both, not one each
    assert later.run_after >= START + dt.timedelta(milliseconds=110) + delivery.lease()
    assert later.run_after <= START + delivery.lease() + dt.timedelta(seconds=1)
