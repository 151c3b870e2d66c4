"""An invitation's history goes with it, and a person deleted leaves no event naming them.

The audit log's keys have no foreign-key constraints in the database (enlace.audit.models), so
these are Django's on_delete at work, and a row left naming a deleted object would be a bug.
"""

from enlace.accounts.models import User
from enlace.audit.models import AuditEvent
from enlace.invitations.models import Invitation
from enlace.invitations.services import issue_invitations


def test_deleting_an_invitation_or_a_user_deletes_their_events_and_clears_the_actor(customer, alice):
    user = User.objects.create(username="ana@cliente.example", email="ana@cliente.example")
    (kept,) = issue_invitations(
        organization=customer.organization,
        kind=Invitation.Kind.REGISTRATION,
        people=[{"email": "pedro@cliente.example", "partner_id": customer.pk}],
        by=alice,
    )
    (gone,) = issue_invitations(
        organization=customer.organization,
        kind=Invitation.Kind.REGISTRATION,
        people=[{"email": user.email, "partner_id": customer.pk, "user_id": user.pk}],
    )
    assert AuditEvent.objects.filter(invitation_id=gone).exists()

    user_id = user.pk
    user.delete()  # its invitation goes with it (CASCADE), and so do both their events
    alice.delete()

    assert not AuditEvent.objects.filter(invitation_id=gone).exists()
    assert not AuditEvent.objects.filter(user_id=user_id).exists()
    (event,) = AuditEvent.objects.filter(invitation_id=kept)
    assert event.actor_id is None
