"""The webhook delivery task: one attempt at one delivery, which schedules the next one."""

import json
import logging
import time

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from enlace.api.models import WebhookDelivery
from enlace.api.webhook_requests import REQUEST_ERRORS, RETRY_DELAYS, SIGNATURE_HEADER, Refused, post, sign

# Its log lines are the webhooks': one logger to configure for everything webhooks do.
logger = logging.getLogger("enlace.api.webhooks")


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at sending one webhook delivery (it reschedules itself when it fails)."""
    return deliver(delivery_id)


def deliver(delivery_id: int, *, now=None) -> str:
    """One attempt at one delivery; schedules the next attempt when it fails and some are left."""
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
    except Refused:
        # Only the word: no status, no reason, nothing that tells what is behind the address.
        error = "refused"
    except REQUEST_ERRORS as exc:
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
