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
from enlace.audit.models import AuditEvent
from enlace.profiles.reviews import review_payload

Event = WebhookEndpoint.Event
Action = AuditEvent.Action
AUDIT_EVENTS = {
    "sent": Event.INVITATION_SENT,
    "failed": Event.INVITATION_FAILED,
    "registered": Event.INVITATION_REGISTERED,
    "activated": Event.INVITATION_ACTIVATED,
}
# The audit events of a supplier's profile and its review; they name the buyer's partner.
SUPPLIER_EVENTS = {
    Action.PROFILE_SUBMITTED: Event.SUPPLIER_SUBMITTED,
    # Sent back to review by a critical change: submitted again, for the buyer's systems too.
    Action.PROFILE_REOPENED: Event.SUPPLIER_SUBMITTED,
    Action.PROFILE_APPROVED: Event.SUPPLIER_APPROVED,
    Action.PROFILE_REJECTED: Event.SUPPLIER_REJECTED,
    Action.PROFILE_CHANGES_ASKED: Event.SUPPLIER_CHANGES_REQUESTED,
    Action.PROFILE_CHANGED: Event.SUPPLIER_PROFILE_CHANGED,
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


def supplier_payload(partner) -> dict:
    """A supplier event's data: the buyer's supplier, its review by the buyer and its profile's
    latest version (as GET /suppliers/{id}/review answers)."""
    return {
        "supplier": {
            "id": partner.pk,
            "code": partner.code,
            "name": partner.name,
            "tax_id": partner.company.tax_id,
        },
        **review_payload(organization=partner.organization, company=partner.company),
    }


class AuditSubscriber:
    """Turns the audit events of invitations and of suppliers' profiles into webhook events (see
    enlace.audit.services)."""

    def watches(self, organization_id: int, action: str) -> bool:
        if action in SUPPLIER_EVENTS:
            endpoints = WebhookEndpoint.objects.filter(organization_id=organization_id, is_active=True)
            return any(endpoint.wants(SUPPLIER_EVENTS[action]) for endpoint in endpoints)
        event = AUDIT_EVENTS.get(action)
        if event is None:
            return False
        events = {event, Event.PARTNER_REGISTERED} if event == Event.INVITATION_REGISTERED else {event}
        endpoints = WebhookEndpoint.objects.filter(organization_id=organization_id, is_active=True)
        return any(endpoint.wants(e) for endpoint in endpoints for e in events)

    def recorded(self, audit_event) -> None:
        if audit_event.action in SUPPLIER_EVENTS:
            if audit_event.partner is not None:
                payload = supplier_payload(audit_event.partner)
                emit(audit_event.organization, SUPPLIER_EVENTS[audit_event.action], payload)
            return
        invitation = audit_event.invitation
        if invitation is None:
            return
        event = AUDIT_EVENTS[audit_event.action]
        payload = invitation_payload(invitation)
        emit(audit_event.organization, event, payload)
        if event == Event.INVITATION_REGISTERED and invitation.partner_id:
            emit(audit_event.organization, Event.PARTNER_REGISTERED, payload)
