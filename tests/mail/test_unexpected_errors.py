"""An unexpected error while building an email delays it; it never leaves the invitation stuck."""

import pytest
from django.core import mail

from enlace.accounts.services import create_customer_user
from enlace.invitations.models import Invitation
from tests.conftest import ec_cedula, run_worker


@pytest.fixture
def broken_rendering(monkeypatch):
    """Rendering raises `failures` times, then works again."""
    from enlace.invitations import emails

    real = emails.invitation_context
    state = {"failures": 0}

    def flaky(invitation):
        if state["failures"] > 0:
            state["failures"] -= 1
            raise KeyError("a template variable that is not there")
        return real(invitation)

    monkeypatch.setattr(emails, "invitation_context", flaky)
    return state


def invite(alice, customer, n=1):
    return create_customer_user(
        organization=customer.organization,
        by=alice,
        username=ec_cedula(60 + n),
        partner=customer,
        email=f"p{n}@tornillo.example",
    ).invitations.get()


@pytest.mark.django_db
def test_a_rendering_error_is_retried_and_the_email_goes_out(settings, alice, customer, broken_rendering):
    settings.MAIL_RETRY_SECONDS = 0  # retry at once, so that one drain of the queue sees it
    broken_rendering["failures"] = 1
    invitation = invite(alice, customer)
    run_worker()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.SENT and len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_lasting_rendering_error_ends_failed_with_the_reason(settings, alice, customer, broken_rendering):
    settings.MAIL_RETRY_SECONDS = 0
    settings.MAIL_MAX_ATTEMPTS = 3
    broken_rendering["failures"] = 100
    invitation = invite(alice, customer)
    run_worker()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.FAILED
    assert "KeyError" in invitation.delivery_error and "(3 attempts)" in invitation.delivery_error
    assert mail.outbox == []
