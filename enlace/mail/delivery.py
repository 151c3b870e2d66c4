"""Deliver invitation emails in chunks over one SMTP connection, and record each outcome."""

import logging
import smtplib

from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations.models import Invitation

logger = logging.getLogger(__name__)


def deliver_invitation_chunk(pairs) -> dict:
    """Send the invitations named by (id, generation) pairs that still want their email.

    An invitation resent since it was queued (a newer generation) or no longer pending is
    skipped: its newer task sends the right message.
    """
    from enlace.invitations.emails import build_invitation_email

    wanted = {int(pk): int(generation) for pk, generation in pairs}
    invitations = [
        inv
        for inv in Invitation.objects.filter(pk__in=wanted).select_related("organization", "user", "partner")
        if inv.generation == wanted[inv.pk] and inv.state == Invitation.State.QUEUED
    ]
    outcome = {"sent": 0, "failed": 0, "skipped": len(wanted) - len(invitations)}
    if not invitations:
        return outcome
    connection = get_connection()
    with connection:
        for invitation in invitations:
            message = build_invitation_email(invitation)
            message.connection = connection
            try:
                message.send()
            except smtplib.SMTPRecipientsRefused as error:
                code, answer = next(iter(error.recipients.values()))
                _record_failure(invitation, f"{code} {answer.decode(errors='replace')}")
                outcome["failed"] += 1
            except (smtplib.SMTPException, OSError) as error:
                _record_failure(invitation, f"{type(error).__name__}: {error}")
                outcome["failed"] += 1
            else:
                _record_sent(invitation)
                outcome["sent"] += 1
    return outcome


@transaction.atomic
def _record_sent(invitation: Invitation) -> None:
    invitation.mark_sent(timezone.now())
    invitation.delivery_attempts += 1
    invitation.save(update_fields=["state", "sent_at", "delivery_error", "delivery_attempts", "updated_at"])
    record(
        organization=invitation.organization,
        action=AuditEvent.Action.SENT,
        user=invitation.user,
        invitation=invitation,
        detail=invitation.email,
    )


@transaction.atomic
def _record_failure(invitation: Invitation, reason: str) -> None:
    logger.warning("Invitation %s to %s failed: %s", invitation.pk, invitation.email, reason)
    invitation.mark_failed(reason)
    invitation.delivery_attempts += 1
    invitation.save(update_fields=["state", "delivery_error", "delivery_attempts", "updated_at"])
    record(
        organization=invitation.organization,
        action=AuditEvent.Action.FAILED,
        user=invitation.user,
        invitation=invitation,
        detail=reason,
    )
