"""Remind invitees whose link or code is about to expire and who have not used it yet."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from enlace.invitations.delivery import REMINDER
from enlace.invitations.models import Invitation
from enlace.invitations.services import DELIVERY_CHUNK
from enlace.invitations.tasks import deliver_invitations
from enlace.organizations.models import Organization


def due_reminders(organization, now):
    """Sent, unused invitations within the organization's reminder window before expiry.

    Only those sent before the window opened: a link that lives less than the window would
    otherwise get its reminder right after the invitation itself.
    """
    before = timedelta(hours=organization.reminder_hours_before_expiry)
    return Invitation.objects.filter(
        Q(reminder_queued_at__isnull=True) | Q(reminder_queued_at__lt=F("sent_at")),
        organization=organization,
        state=Invitation.State.SENT,
        used_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + before,
        sent_at__lt=F("expires_at") - before,
    )


def queue_reminders(*, now=None) -> int:
    """Queue one reminder per due invitation, in chunks, for every organization that wants them."""
    now = now or timezone.now()
    queued = 0
    for organization in Organization.objects.filter(reminder_hours_before_expiry__gt=0):
        while True:
            with transaction.atomic():
                pairs = list(
                    due_reminders(organization, now)
                    .order_by("pk")
                    .select_for_update(skip_locked=True)
                    .values_list("pk", "generation")[:DELIVERY_CHUNK]
                )
                if not pairs:
                    break
                Invitation.objects.filter(pk__in=[pk for pk, _ in pairs]).update(reminder_queued_at=now)
                deliver_invitations.enqueue([list(pair) for pair in pairs], purpose=REMINDER)
            queued += len(pairs)
    return queued
