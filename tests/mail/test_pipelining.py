"""The worker prepares the next message while the server answers this one, yet the server can
accept a message only once the previous one's outcome is recorded."""

import time

import pytest

from enlace.accounts.samples import queue_sample_invitations
from enlace.invitations import delivery
from enlace.invitations.models import Invitation
from tests.conftest import run_worker


@pytest.mark.django_db
def test_the_server_accepts_each_message_only_after_the_previous_one_is_recorded(
    smtp_server, acme, customer, monkeypatch
):
    invitations = queue_sample_invitations(organization=acme, partner=customer, count=5)
    handler = smtp_server.handler
    complete = []  # messages whose end reached the server, accepted or about to be
    real_data = handler.handle_DATA

    async def handle_data(*args):
        complete.append(1)
        return await real_data(*args)

    monkeypatch.setattr(handler, "handle_DATA", handle_data)
    seen_when_recorded = []

    def slow(record):
        def recording(*args, **kwargs):
            time.sleep(0.02)  # a slow database: time for the next message to go out, if it could
            seen_when_recorded.append(len(complete))
            return record(*args, **kwargs)

        return recording

    # record_sent, or on PostgreSQL record_sent_and_claim, which also claims the next one.
    monkeypatch.setattr(delivery, "record_sent", slow(delivery.record_sent))
    monkeypatch.setattr(delivery, "record_sent_and_claim", slow(delivery.record_sent_and_claim))
    run_worker()
    # When message k is recorded, the server has k messages, not k + 1: a worker killed at any
    # moment leaves at most one message accepted and not recorded.
    assert seen_when_recorded == [1, 2, 3, 4, 5]
    assert set(Invitation.objects.values_list("state", flat=True)) == {"sent"}
    assert len(invitations) == len(smtp_server.messages)


@pytest.mark.django_db
def test_a_message_whose_claim_is_lost_is_withdrawn_before_the_server_accepts_it(
    smtp_server, acme, customer, monkeypatch
):
    from enlace.invitations.services import resend_invitation

    invitations = queue_sample_invitations(organization=acme, partner=customer, count=4)

    def resending_the_second(record):
        def recording(previous, **kwargs):
            if previous.pk == invitations[0].pk:
                # The second is resent while its message is on its way, just before its claim.
                resend_invitation(invitation=Invitation.objects.get(pk=invitations[1].pk))
            return record(previous, **kwargs)

        return recording

    monkeypatch.setattr(delivery, "record_sent", resending_the_second(delivery.record_sent))
    monkeypatch.setattr(
        delivery, "record_sent_and_claim", resending_the_second(delivery.record_sent_and_claim)
    )
    run_worker()
    sent = sorted(m["Message-ID"] for m in smtp_server.messages)
    second = Invitation.objects.get(pk=invitations[1].pk)
    assert second.message_id in sent and f"<invitation-{second.pk}-1@" not in " ".join(sent)
    assert len(sent) == 4  # the three others and the resend's new message, never the old one
    assert smtp_server.handler.connections >= 2  # the withdrawn message's connection was dropped
