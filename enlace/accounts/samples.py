"""Invitations in bulk for the tests and the mail benchmark: customer users without a password,
each with an activation invitation, queued the way an import queues them."""

from django.db import transaction

from enlace.accounts.models import User
from enlace.invitations.models import Invitation
from enlace.invitations.services import build_invitation, queue_emails


@transaction.atomic
def queue_sample_invitations(*, organization, partner, count: int, start: int = 0, domain="example.com"):
    users = []
    for n in range(start, start + count):
        user = User(
            username=f"sample-{organization.pk}-{n}",
            email=f"person{n}@{domain}",
            first_name=f"Person {n}",
            profile=User.Profile.CUSTOMER,
            status=User.Status.PENDING_ACTIVATION,
            organization=organization,
            partner=partner,
            language=organization.language,
        )
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    invitations = Invitation.objects.bulk_create(
        build_invitation(
            organization=organization,
            kind=Invitation.Kind.ACTIVATION,
            email=user.email,
            partner=partner,
            user=user,
            first_name=user.first_name,
        )
        for user in users
    )
    queue_emails(invitations)
    return invitations
