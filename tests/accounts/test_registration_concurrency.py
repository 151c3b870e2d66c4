"""Two browsers submit the same registration link at the same moment: one account, one
activation email; the other submission finds the link used."""

import threading

import pytest
from django.db import connection, connections

from enlace.accounts.models import User
from enlace.accounts.services import register_with_link
from enlace.audit.models import AuditEvent
from enlace.invitations.lookup import InvitationInvalid
from enlace.invitations.models import Invitation
from enlace.invitations.secrets import secret_of
from tests.accounts.test_registration import PASSWORD, import_person

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs separate connections to one shared database"
)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_create_one_account(acme, customer):
    user, invitation = import_person(acme, customer)
    token = secret_of(invitation)
    start = threading.Barrier(2)
    outcomes = []

    def submit(first_name):
        try:
            start.wait(timeout=10)
            register_with_link(
                token=token, password=f"{first_name}-{PASSWORD}", first_name=first_name, last_name="P"
            )
            outcomes.append(("registered", first_name))
        except InvitationInvalid as error:
            outcomes.append(("invalid", error.reason))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("Ana", "Eva")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(kind for kind, _ in outcomes) == ["invalid", "registered"]
    [winner] = [name for kind, name in outcomes if kind == "registered"]
    assert ("invalid", "used") in outcomes
    user.refresh_from_db()
    assert user.first_name == winner and user.check_password(f"{winner}-{PASSWORD}")
    assert Invitation.objects.filter(user=user, kind=Invitation.Kind.ACTIVATION).count() == 1
    assert AuditEvent.objects.filter(user=user, action=AuditEvent.Action.REGISTERED).count() == 1
    assert User.objects.filter(email="maria@tornillo.example").count() == 1
