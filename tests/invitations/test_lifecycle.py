"""The lifecycle is declared once: the model's moves, the queryset updates and the delivery's
statements written out by hand give the same answer for every pair of states."""

import itertools

import pytest
from django.db import connection, transaction
from django.utils import timezone

from enlace.accounts.samples import queue_sample_invitations
from enlace.invitations import lifecycle
from enlace.invitations.delivery import records
from enlace.invitations.models import Invitation

STATES = list(Invitation.State.values)


def expected(event, state):
    return lifecycle.target(event) if lifecycle.allowed(event, state) else state


@pytest.fixture
def invitations(acme, customer):
    """One invitation in each state, each claimed by a worker a moment ago."""
    made = queue_sample_invitations(organization=acme, partner=customer, count=len(STATES))
    claimed_at = timezone.now()
    for invitation, state in zip(made, STATES, strict=True):
        Invitation.objects.filter(pk=invitation.pk).update(state=state, sending_at=claimed_at)
    return {
        invitation.state: invitation
        for invitation in Invitation.objects.select_related("organization", "user").filter(
            pk__in=[i.pk for i in made]
        )
    }


def state_of(invitation):
    return Invitation.objects.values_list("state", flat=True).get(pk=invitation.pk)


def test_every_event_moves_only_from_its_states_to_its_state():
    for event, state in itertools.product(lifecycle.EVENTS, STATES):
        invitation = Invitation(state=state)
        if lifecycle.allowed(event, state):
            lifecycle.move(invitation, event)
            assert invitation.state == lifecycle.target(event)
        else:
            with pytest.raises(lifecycle.NotAllowed):
                lifecycle.move(invitation, event)
            assert invitation.state == state


def test_the_declared_moves_are_those_people_expect():
    assert not lifecycle.allowed("send", Invitation.State.REVOKED)  # a revoked link is never sent
    assert lifecycle.allowed("resend", Invitation.State.EXPIRED)  # renewing an expired one
    assert not lifecycle.allowed("resend", Invitation.State.REGISTERED)  # used: nothing to resend
    for used in (Invitation.State.REGISTERED, Invitation.State.ACTIVATED):
        assert not any(lifecycle.allowed(event, used) for event in lifecycle.EVENTS)


@pytest.mark.django_db
@pytest.mark.parametrize("event", list(lifecycle.EVENTS))
def test_queryset_updates_change_only_what_the_event_may_move(invitations, event):
    Invitation.objects.filter(pk__in=[i.pk for i in invitations.values()]).update(
        state=lifecycle.state_after(event)
    )
    for state, invitation in invitations.items():
        assert state_of(invitation) == expected(event, state), state


@pytest.mark.django_db
def test_the_deliverys_record_of_a_sent_message_agrees_with_the_lifecycle(invitations):
    for state, invitation in invitations.items():
        with transaction.atomic():
            records.record_sent(invitation, claimed_at=invitation.sending_at)
        assert state_of(invitation) == expected("send", state), state


@pytest.mark.django_db
def test_failing_agrees_with_the_lifecycle(invitations):
    for state, invitation in invitations.items():
        records.fail(invitation, reason="550 no such user")
        assert state_of(invitation) == expected("fail", state), state


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement fast path is PostgreSQL's")
def test_the_one_statement_record_and_claim_agrees_with_the_lifecycle(invitations, acme, customer):
    [next_one] = queue_sample_invitations(organization=acme, partner=customer, count=1, start=100)
    for state, invitation in invitations.items():
        with transaction.atomic():
            records.record_sent_and_claim(
                invitation, claimed_at=invitation.sending_at, invitation=next_one, now=timezone.now()
            )
        assert state_of(invitation) == expected("send", state), state
