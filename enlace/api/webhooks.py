"""Outgoing webhooks: events an organization's systems subscribe to, delivered as signed POSTs.

`emit(organization, event, payload)` is the one hook: it records a delivery per subscribed
endpoint and enqueues its task in the caller's transaction, so a rolled-back change sends
nothing. Invitation events are emitted from the audit trail, which every service writes on each
state change: AuditSubscriber is subscribed to the audit writer (enlace.audit.services).

The requests are signed and sent by enlace.api.webhook_requests, one attempt at a time by the
delivery task (enlace.api.tasks).
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from enlace.api.models import WebhookDelivery, WebhookEndpoint
from enlace.api.tasks import deliver_webhook

Event = WebhookEndpoint.Event
AUDIT_EVENTS = {
    "sent": Event.INVITATION_SENT,
    "failed": Event.INVITATION_FAILED,
    "registered": Event.INVITATION_REGISTERED,
    "activated": Event.INVITATION_ACTIVATED,
}


def emit(organization, event: str, payload: dict) -> list[WebhookDelivery]:
    """Queue `event` for every active endpoint of the organization subscribed to it."""
    endpoints = [
        e for e in WebhookEndpoint.objects.filter(organization=organization, is_active=True) if e.wants(event)
    ]
    deliveries = []
    for endpoint in endpoints:
        body = {"event": event, "created_at": timezone.now(), "data": payload}
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, payload=json.loads(json.dumps(body, cls=DjangoJSONEncoder))
        )
        deliver_webhook.enqueue(delivery.pk)
        deliveries.append(delivery)
    return deliveries


def invitation_payload(invitation) -> dict:
    partner = invitation.partner
    return {
        "invitation": {
            "id": invitation.pk,
            "kind": invitation.kind,
            "state": invitation.state,
            "email": invitation.email,
            "user_id": invitation.user_id,
            "partner_id": invitation.partner_id,
        },
        "partner": {"id": partner.pk, "code": partner.code, "kind": partner.kind, "name": partner.name}
        if partner
        else None,
    }


class AuditSubscriber:
    """Turns the audit events of invitations into webhook events (see enlace.audit.services)."""

    def watches(self, organization_id: int, action: str) -> bool:
        event = AUDIT_EVENTS.get(action)
        if event is None:
            return False
        events = {event, Event.PARTNER_REGISTERED} if event == Event.INVITATION_REGISTERED else {event}
        endpoints = WebhookEndpoint.objects.filter(organization_id=organization_id, is_active=True)
        return any(endpoint.wants(e) for endpoint in endpoints for e in events)

    def recorded(self, audit_event) -> None:
        invitation = audit_event.invitation
        if invitation is None:
            return
        event = AUDIT_EVENTS[audit_event.action]
        payload = invitation_payload(invitation)
        emit(audit_event.organization, event, payload)
        if event == Event.INVITATION_REGISTERED and invitation.partner_id:
            emit(audit_event.organization, Event.PARTNER_REGISTERED, payload)
