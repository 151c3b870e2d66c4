"""What a crashed worker leaves behind is finished by the next one, never a third copy."""

import datetime as dt

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from enlace.accounts.samples import queue_sample_invitations
from enlace.invitations import delivery
from enlace.invitations.models import Invitation
from enlace.invitations.services import resend_invitation
from enlace.worker.models import WorkerHeartbeat
from enlace.worker.recovery import recover_abandoned_tasks
from tests.conftest import run_worker

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def crash_while_sending(invitation, *, at, interrupted=0):
    """What a worker killed between claiming and recording leaves: a claim, its task RUNNING."""
    Invitation.objects.filter(pk=invitation.pk).update(sending_at=at, interrupted_sends=interrupted)
    DBTaskResult.objects.update(status="RUNNING", started_at=at, worker_ids=["dead"])


@pytest.mark.django_db
def test_a_task_of_a_dead_worker_is_queued_again_after_the_lease(
    settings, smtp_server, clock, acme, customer
):
    [invitation] = queue_sample_invitations(organization=acme, partner=customer, count=1)
    crash_while_sending(invitation, at=START)
    WorkerHeartbeat.objects.create(worker_id="dead", beat_at=START)
    clock.shift(dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS - 1))
    assert recover_abandoned_tasks() == 0  # it may still be alive
    clock.shift(dt.timedelta(seconds=2))
    assert recover_abandoned_tasks() == 1
    run_worker()
    invitation.refresh_from_db()
    assert invitation.state == "sent" and len(smtp_server.messages) == 1  # the one allowed resend


@pytest.mark.django_db
def test_a_live_workers_task_is_never_taken_back(settings, clock, acme, customer):
    queue_sample_invitations(organization=acme, partner=customer, count=1)
    DBTaskResult.objects.update(status="RUNNING", started_at=START, worker_ids=["busy"])
    clock.shift(dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS * 3))
    WorkerHeartbeat.objects.create(worker_id="busy", beat_at=dt.datetime.now(tz=dt.UTC))
    assert recover_abandoned_tasks() == 0
    assert DBTaskResult.objects.get().status == "RUNNING"


@pytest.mark.django_db
def test_a_fresh_claim_of_another_worker_is_left_alone_and_retried_later(
    settings, smtp_server, clock, acme, customer
):
    [invitation] = queue_sample_invitations(organization=acme, partner=customer, count=1)
    Invitation.objects.filter(pk=invitation.pk).update(sending_at=START)  # someone is sending it
    run_worker()
    assert smtp_server.messages == []
    deferred = DBTaskResult.objects.get(status="READY")
    assert deferred.run_after == START + dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS)


@pytest.mark.django_db
def test_after_two_interrupted_sends_the_invitation_fails_instead_of_a_third_copy(
    settings, smtp_server, clock, acme, customer
):
    [invitation] = queue_sample_invitations(organization=acme, partner=customer, count=1)
    crash_while_sending(invitation, at=START, interrupted=1)
    clock.shift(dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS + 1))
    recover_abandoned_tasks()
    run_worker()
    invitation.refresh_from_db()
    assert smtp_server.messages == []
    assert invitation.state == "failed" and "interrupted twice" in invitation.delivery_error


@pytest.mark.django_db
def test_a_task_that_kills_its_worker_again_and_again_fails_in_the_end(settings, clock, acme, customer):
    queue_sample_invitations(organization=acme, partner=customer, count=1)
    DBTaskResult.objects.update(status="RUNNING", started_at=START, worker_ids=["a", "b", "c", "d", "e"])
    clock.shift(dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS + 1))
    recover_abandoned_tasks()
    assert DBTaskResult.objects.get().status == "FAILED"


def test_a_resend_while_the_old_message_is_in_flight_still_sends_the_new_one(
    smtp_server, acme, customer, monkeypatch
):
    invitations = queue_sample_invitations(organization=acme, partner=customer, count=3)
    resent = []

    def resend_first(record):
        def recording(previous, **kwargs):
            if previous.pk == invitations[1].pk and not resent:
                # The server has the old message; the admin resends before the worker records it.
                resent.append(resend_invitation(invitation=Invitation.objects.get(pk=previous.pk)))
            return record(previous, **kwargs)

        return recording

    # Whichever way this database records a message (one statement on PostgreSQL).
    monkeypatch.setattr(delivery, "record_sent", resend_first(delivery.record_sent))
    monkeypatch.setattr(delivery, "record_sent_and_claim", resend_first(delivery.record_sent_and_claim))
    run_worker()
    run_worker()

    second = Invitation.objects.get(pk=invitations[1].pk)
    assert resent and second.generation == 2
    sent = [message["Message-ID"] for message in smtp_server.messages]
    assert second.message_id in sent  # the new secret's email went out
    assert second.state == Invitation.State.SENT


def test_a_task_naming_invitations_already_sent_skips_them_without_reconnecting(smtp_server, acme, customer):
    invitations = queue_sample_invitations(organization=acme, partner=customer, count=5)
    task = DBTaskResult.objects.get()
    run_worker()
    assert smtp_server.handler.connections == 1
    # The same task again, as when it is taken back from a worker that died after sending.
    DBTaskResult.objects.filter(pk=task.pk).update(status="READY", started_at=None, finished_at=None)
    Invitation.objects.filter(pk=invitations[4].pk).update(state=Invitation.State.QUEUED, sent_at=None)

    run_worker()

    assert smtp_server.count == 6  # only the one still queued, once more
    assert smtp_server.handler.connections == 2  # one connection for it, none for the four sent
