"""The admin's pages for API keys and webhooks, under Settings."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from enlace.api import keys, services
from enlace.api.forms import ApiKeyForm, WebhookEndpointForm
from enlace.api.models import ApiKey, WebhookEndpoint
from enlace.organizations.decorators import staff_required

DELIVERIES_SHOWN = 100


@staff_required(admin=True)
def key_list(request):
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        api_key, secret = keys.create_api_key(
            organization=request.organization, name=form.cleaned_data["name"], by=request.user
        )
        # Rendered, not redirected: the key must appear exactly once and never be stored.
        return render(request, "api/key_created.html", {"api_key": api_key, "secret": secret})
    api_keys = ApiKey.objects.filter(organization=request.organization).select_related("created_by")
    return render(request, "api/key_list.html", {"form": form, "api_keys": api_keys})


@staff_required(admin=True)
def key_revoke(request, pk):
    api_key = get_object_or_404(ApiKey, organization=request.organization, pk=pk)
    if request.method == "POST":
        keys.revoke_api_key(api_key=api_key)
        messages.success(
            request, _("The key %(name)s was revoked; it no longer works.") % {"name": api_key.name}
        )
        return redirect("api:key_list")
    return render(request, "api/key_revoke.html", {"api_key": api_key})


@staff_required(admin=True)
def webhook_list(request):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = services.add_webhook_endpoint(
            organization=request.organization,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            by=request.user,
        )
        messages.success(request, _("Webhook added. Copy its signing secret below."))
        return redirect("api:webhook_detail", pk=endpoint.pk)
    endpoints = WebhookEndpoint.objects.filter(organization=request.organization)
    return render(request, "api/webhook_list.html", {"form": form, "endpoints": endpoints})


@staff_required(admin=True)
def webhook_detail(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, organization=request.organization, pk=pk)
    deliveries = endpoint.deliveries.all()[:DELIVERIES_SHOWN]
    event_labels = dict(WebhookEndpoint.Event.choices)
    events = [event_labels.get(e, e) for e in endpoint.events]
    return render(
        request, "api/webhook_detail.html", {"endpoint": endpoint, "deliveries": deliveries, "events": events}
    )


@staff_required(admin=True)
def webhook_remove(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, organization=request.organization, pk=pk)
    if request.method == "POST":
        services.remove_webhook_endpoint(endpoint=endpoint)
        messages.success(request, _("Webhook removed."))
        return redirect("api:webhook_list")
    return render(request, "api/webhook_remove.html", {"endpoint": endpoint})
