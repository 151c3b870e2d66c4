"""Webhook endpoints: register and remove the URLs an organization's systems listen on."""

from django.db import transaction

from enlace.api.models import WebhookEndpoint


@transaction.atomic
def add_webhook_endpoint(*, organization, url: str, events, by=None) -> WebhookEndpoint:
    """Register a URL for some events; it gets its own signing secret."""
    return WebhookEndpoint.objects.create(
        organization=organization,
        url=url,
        events=[e for e in WebhookEndpoint.Event.values if e in set(events)],
        created_by=by if by is not None and by.is_authenticated else None,
    )


@transaction.atomic
def remove_webhook_endpoint(*, endpoint: WebhookEndpoint) -> None:
    """No more deliveries to this URL; its delivery log goes with it."""
    endpoint.delete()
