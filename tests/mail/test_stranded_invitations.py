"""An invitation whose delivery task died on a database error is queued again by the sweep."""

import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError
from django_tasks_db.models import DBTaskResult

from enlace.accounts.samples import queue_sample_invitations
from enlace.invitations import delivery
from enlace.invitations.models import Invitation
from enlace.invitations.recovery import STRANDED_AFTER, requeue_stranded_invitations
from enlace.worker.periodic import run_periodic_work
from tests.conftest import run_worker

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def database_fails_on_the_third_record(monkeypatch):
    calls = {"n": 0}

    def failing_once(record):
        def recording(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise DatabaseError("could not serialize access due to concurrent update")
            return record(*args, **kwargs)

        return recording

    # record_sent, or on PostgreSQL record_sent_and_claim, which also claims the next one.
    monkeypatch.setattr(delivery, "record_sent", failing_once(delivery.record_sent))
    monkeypatch.setattr(delivery, "record_sent_and_claim", failing_once(delivery.record_sent_and_claim))
    return calls


@pytest.fixture
def database_still_down_when_the_rest_is_handed_back(monkeypatch, database_fails_on_the_third_record):
    schedule = delivery._ChunkRun.schedule_leftovers

    def failing_right_after(run):
        if database_fails_on_the_third_record["n"] == 3:
            raise DatabaseError("the database is still down")
        return schedule(run)

    monkeypatch.setattr(delivery._ChunkRun, "schedule_leftovers", failing_right_after)


def states(invitations):
    return sorted(
        Invitation.objects.filter(pk__in=[i.pk for i in invitations]).values_list("state", flat=True)
    )


@pytest.mark.django_db
def test_a_task_that_meets_a_database_error_hands_the_rest_back_at_once(
    settings, smtp_server, clock, acme, customer, database_fails_on_the_third_record
):
    invitations = queue_sample_invitations(organization=acme, partner=customer, count=5)
    run_worker()
    # The task failed; the two never tried went out at once in a new one. The third was
    # accepted and not recorded: its claim holds until the lease ends, then it goes again.
    assert states(invitations) == ["queued"] + ["sent"] * 4
    clock.shift(delivery.lease() + dt.timedelta(seconds=1))
    run_worker()
    assert states(invitations) == ["sent"] * 5
    copies = sorted(m["Message-ID"] for m in smtp_server.messages)
    assert len(copies) == 6 and len(set(copies)) == 5


@pytest.mark.django_db
def test_invitations_of_a_task_that_died_on_a_database_error_are_sent_after_the_sweep(
    settings, smtp_server, clock, acme, customer, database_still_down_when_the_rest_is_handed_back
):
    invitations = queue_sample_invitations(organization=acme, partner=customer, count=5)
    run_worker()
    assert DBTaskResult.objects.get().status == "FAILED"
    assert states(invitations) == ["queued"] * 3 + ["sent"] * 2  # the third was accepted, not recorded
    clock.shift(STRANDED_AFTER - dt.timedelta(seconds=1))
    assert run_periodic_work()["requeued"] == 0  # not for a while: it may be on its way
    clock.shift(dt.timedelta(seconds=2))
    assert run_periodic_work()["requeued"] == 3
    assert run_periodic_work()["requeued"] == 0  # once: the new task is live
    run_worker()  # the two never tried go out; the third is claimed by the dead task
    clock.shift(delivery.lease() + dt.timedelta(seconds=1))
    run_worker()  # its claim is stale now: sent again, the one duplicate a crash allows
    assert states(invitations) == ["sent"] * 5
    copies = sorted(m["Message-ID"] for m in smtp_server.messages)
    assert len(copies) == 6 and len(set(copies)) == 5


@pytest.mark.django_db
def test_an_invitation_waiting_for_its_retry_is_left_alone(settings, smtp_server, clock, acme, customer):
    settings.MAIL_RETRY_SECONDS = 3600
    invitations = queue_sample_invitations(organization=acme, partner=customer, count=2)
    smtp_server.handler.refuse_connections = 1
    run_worker()
    assert states(invitations) == ["queued", "queued"]
    clock.shift(STRANDED_AFTER * 3)
    assert requeue_stranded_invitations() == 0  # its retry task is ready in an hour
    assert DBTaskResult.objects.filter(status="READY").count() == 1


@pytest.mark.django_db
def test_only_queued_invitations_without_a_live_task_are_queued_again(clock, acme, customer):
    stranded = queue_sample_invitations(organization=acme, partner=customer, count=2)
    DBTaskResult.objects.update(status="FAILED")
    waiting = queue_sample_invitations(organization=acme, partner=customer, count=2, start=10)
    running = queue_sample_invitations(organization=acme, partner=customer, count=1, start=20)
    DBTaskResult.objects.filter(args_kwargs__args__0__0__0=running[0].pk).update(status="RUNNING")
    clock.shift(STRANDED_AFTER + dt.timedelta(seconds=1))
    assert requeue_stranded_invitations() == 2
    [new] = DBTaskResult.objects.filter(status="READY").order_by("-enqueued_at")[:1]
    assert new.args_kwargs["args"][0] == [[i.pk, i.generation] for i in stranded]
    assert {i.pk for i in waiting}.isdisjoint(pk for pk, _ in new.args_kwargs["args"][0])


@pytest.mark.django_db
def test_an_invitation_whose_task_keeps_dying_fails_after_the_attempts_allowed(
    settings, clock, acme, customer
):
    settings.MAIL_MAX_ATTEMPTS = 3
    [invitation] = queue_sample_invitations(organization=acme, partner=customer, count=1)
    for sweep in range(1, 3):
        DBTaskResult.objects.update(status="FAILED")  # the task died again, on a database error
        clock.shift(STRANDED_AFTER + dt.timedelta(seconds=1))
        assert requeue_stranded_invitations() == 1, sweep
    DBTaskResult.objects.update(status="FAILED")
    clock.shift(STRANDED_AFTER + dt.timedelta(seconds=1))

    assert requeue_stranded_invitations() == 0
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.FAILED
    assert "delivery task ended without sending it (3 attempts)" in invitation.delivery_error
    assert not DBTaskResult.objects.filter(status="READY").exists()


@pytest.mark.django_db
def test_a_reminder_whose_task_died_is_queued_again_while_it_is_still_due(smtp_server, clock, acme, customer):
    [invitation] = queue_sample_invitations(organization=acme, partner=customer, count=1)
    run_worker()
    clock.shift(dt.timedelta(hours=25))  # 23 hours before the 48-hour link expires
    assert run_periodic_work()["reminders"] == 1
    DBTaskResult.objects.filter(status="READY").update(status="FAILED")  # died on a database error

    clock.shift(STRANDED_AFTER - dt.timedelta(seconds=1))
    assert run_periodic_work()["reminders_requeued"] == 0  # it may be on its way
    clock.shift(dt.timedelta(seconds=2))
    done = run_periodic_work()
    assert (done["reminders_requeued"], done["reminders"]) == (1, 1)
    run_worker()

    assert len(smtp_server.messages) == 2 and smtp_server.messages[-1]["References"] == invitation.message_id
    clock.shift(STRANDED_AFTER * 2)
    done = run_periodic_work()
    assert (done["reminders_requeued"], done["reminders"]) == (0, 0)  # sent: nothing more
