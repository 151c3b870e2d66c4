"""Bounces reported by the email provider after it accepted a message.

The provider calls its django-anymail tracking webhook (mounted at /mail/provider/<esp>/tracking/,
signed with ENLACE_ANYMAIL_WEBHOOK_SECRET); anymail turns the call into a `tracking` signal, and a
bounce or rejection of an invitation's current message marks the invitation failed with the
provider's reason, as a refusal during the SMTP conversation would.
"""

from anymail.signals import tracking
from django.db import transaction
from django.dispatch import receiver

from enlace.invitations import lifecycle
from enlace.invitations.delivery.records import fail
from enlace.invitations.models import Invitation

FAILURE_EVENTS = {"bounced", "rejected", "failed"}


@receiver(tracking)
def record_bounce(sender, event, esp_name, **kwargs):
    if event.event_type not in FAILURE_EVENTS:
        return
    metadata = event.metadata or {}
    try:
        invitation_id, generation = int(metadata["invitation"]), int(metadata["generation"])
    except (KeyError, TypeError, ValueError):
        return  # not one of our invitation messages
    reason = " ".join(str(part) for part in (event.mta_response or event.description, esp_name) if part)
    mark_bounced(invitation_id=invitation_id, generation=generation, reason=reason)


@transaction.atomic
def mark_bounced(*, invitation_id: int, generation: int, reason: str) -> bool:
    """Fail the invitation if the bounce is about its current message; a bounce of a message
    that a resend has since replaced changes nothing."""
    invitation = Invitation.objects.select_related("organization", "user").filter(pk=invitation_id).first()
    if invitation is None or invitation.generation != generation:
        return False
    return fail(invitation, reason=reason, only=lifecycle.may("fail"))
