"""The review's steps and every new version reach the buyer's systems as webhook events, each
buyer only its own."""

import pytest

from enlace.api.models import WebhookDelivery
from enlace.api.services import add_webhook_endpoint
from enlace.profiles import reviews
from tests.profiles.helpers import bank_account, post_company, post_items
from tests.profiles.reviewing import approve, ask_changes, reject, submit

SUPPLIER_EVENTS = [
    "supplier.submitted",
    "supplier.approved",
    "supplier.rejected",
    "supplier.changes_requested",
    "supplier.profile_changed",
]


def events_of(organization):
    return [
        delivery.event
        for delivery in WebhookDelivery.objects.filter(endpoint__organization=organization).order_by("id")
    ]


@pytest.mark.django_db
def test_each_step_of_the_review_is_a_webhook_event_of_that_buyer_only(
    rosa_client, alice_client, alice, acme, initech, steel_at_initech, globex, steel
):
    add_webhook_endpoint(organization=acme, url="https://erp.acme.example/hooks", events=SUPPLIER_EVENTS)
    add_webhook_endpoint(
        organization=initech, url="https://erp.initech.example/hooks", events=SUPPLIER_EVENTS
    )
    add_webhook_endpoint(organization=globex, url="https://erp.globex.example/hooks", events=SUPPLIER_EVENTS)
    post_company(rosa_client)
    assert events_of(acme) == events_of(initech) == ["supplier.profile_changed"]  # both buyers
    submit(rosa_client, acme)
    ask_changes(alice_client, steel, contacts="Falta el contacto de cobranzas")
    submit(rosa_client, acme)
    reject(alice_client, steel, "No trabajamos con este régimen")
    submit(rosa_client, acme)
    approve(alice_client, steel)
    assert events_of(acme) == [
        "supplier.profile_changed",
        "supplier.submitted",
        "supplier.changes_requested",
        "supplier.submitted",
        "supplier.rejected",
        "supplier.submitted",
        "supplier.approved",
    ]
    assert events_of(initech) == ["supplier.profile_changed"]
    assert events_of(globex) == []
    approved = WebhookDelivery.objects.filter(event="supplier.approved").get()
    data = approved.payload["data"]
    assert data["supplier"] == {
        "id": steel.pk,
        "code": steel.code,
        "name": "Aceros del Sur",
        "tax_id": steel.company.tax_id,
    }
    assert (data["review"]["state"], data["review"]["version"]) == ("approved", 1)
    changes = WebhookDelivery.objects.filter(event="supplier.changes_requested").get().payload["data"]
    assert changes["review"]["steps"][1]["comments"] == [
        {"field": "contacts", "text": "Falta el contacto de cobranzas"}
    ]
    # A critical change: the approval is suspended, and the buyer's systems hear it.
    post_items(rosa_client, "bank_accounts", [bank_account()])
    assert events_of(acme)[-2:] == ["supplier.profile_changed", "supplier.submitted"]
    reopened = WebhookDelivery.objects.filter(endpoint__organization=acme).order_by("-id").first()
    assert reopened.payload["data"]["review"]["steps"][-1]["fields"] == ["bank_accounts"]
    assert reviews.review_of(organization=acme, company=steel.company).state == "submitted"
