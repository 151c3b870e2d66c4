"""Outgoing webhooks: events an organization's systems subscribe to, delivered as signed POSTs.

`emit(organization, event, payload)` is the one hook: it records a delivery per subscribed
endpoint and enqueues its task in the caller's transaction, so a rolled-back change sends
nothing. Invitation events are emitted from the audit trail, which every service writes on each
state change: AuditSubscriber is subscribed to the audit writer (enlace.audit.services).

Receivers check `Enlace-Signature: t=<unix time>,v1=<hex>` where
v1 = HMAC-SHA256(endpoint secret, "<t>.<raw body>") (see docs/api.md).
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from enlace.api.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Enlace-Signature"
TIMEOUT_SECONDS = 10
# After the first attempt fails: wait this long before each next one, then give up.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))

Event = WebhookEndpoint.Event
AUDIT_EVENTS = {
    "sent": Event.INVITATION_SENT,
    "failed": Event.INVITATION_FAILED,
    "registered": Event.INVITATION_REGISTERED,
    "activated": Event.INVITATION_ACTIVATED,
}


def emit(organization, event: str, payload: dict) -> list[WebhookDelivery]:
    """Queue `event` for every active endpoint of the organization subscribed to it."""
    from enlace.api.tasks import deliver_webhook

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


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (in Python): recompute the signature, compare in constant time, and
    refuse old timestamps so a captured request cannot be replayed later."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is the receiver's answer, not a place to go: a redirect must not lead a webhook
    into the network Enlace runs in."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def private_host(host: str) -> bool:
    """True for a name or address that is not on the public internet (loopback, private
    ranges, link-local, cloud metadata ...), judged without looking the name up."""
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False  # a name: checked again, resolved, before each delivery


def refuse_private_address(url: str) -> None:
    """ValueError unless every address the URL's host resolves to is public."""
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    host = urlsplit(url).hostname or ""
    if private_host(host):
        raise ValueError(f"refused: {host} is not a public address")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as error:
        raise ValueError(f"cannot resolve {host}: {error}") from None
    if any(not ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses):
        raise ValueError(f"refused: {host} resolves to a private address")


def post(url: str, body: bytes, headers: dict) -> int:
    """POST and return the status code; an HTTP error status is returned, not raised."""
    refuse_private_address(url)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def deliver(delivery_id: int, *, now=None) -> str:
    """One attempt at one delivery; schedules the next attempt when it fails and some are left."""
    from enlace.api.tasks import deliver_webhook

    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return "skipped"
    endpoint = delivery.endpoint
    body = json.dumps({"id": delivery.pk, **delivery.payload}, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Enlace-Webhooks/1",
        "Enlace-Event": delivery.event,
        "Enlace-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(endpoint.secret, int(time.time()), body),
    }
    status, error = None, ""
    try:
        status = post(endpoint.url, body, headers)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    now = now or timezone.now()
    delivery.attempts += 1
    delivery.response_status = status
    if status is not None and 200 <= status < 300:
        delivery.state = WebhookDelivery.State.DELIVERED
        delivery.delivered_at = now
        delivery.error = ""
    else:
        delivery.error = (error or f"HTTP {status}")[:500]
        if delivery.attempts > len(RETRY_DELAYS):
            delivery.state = WebhookDelivery.State.FAILED
    with transaction.atomic():
        delivery.save()
        if delivery.state == WebhookDelivery.State.PENDING:
            delay = RETRY_DELAYS[delivery.attempts - 1]
            deliver_webhook.using(run_after=now + delay).enqueue(delivery.pk)
    if delivery.state != WebhookDelivery.State.DELIVERED:
        logger.warning("Webhook %s to %s: %s", delivery.pk, endpoint.url, delivery.error)
    return delivery.state
