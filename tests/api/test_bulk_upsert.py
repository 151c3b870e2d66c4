"""The ERP creates or updates up to 1,000 partners per call, all or nothing, as an import does."""

import pytest
from django.core import mail

from enlace.invitations.models import Invitation
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from tests.conftest import run_worker


def customer(n, **fields):
    return {"code": f"B{n}", "tax_id": ec_ruc(500 + n), "name": f"Cliente {n}", **fields}


@pytest.mark.django_db
def test_customers_are_created_then_updated_by_code(api, acme):
    first = api.post("/customers/bulk", {"items": [customer(1, groups=["Sierra"]), customer(2)]}).json()
    assert (first["status"], first["created"], first["updated"]) == ("applied", 2, 0)
    second = api.post("/customers/bulk", {"items": [customer(1, name="Cliente Uno, renamed")]}).json()
    assert (second["created"], second["updated"]) == (0, 1)
    renamed = Partner.objects.get(organization=acme, code="B1")
    assert renamed.name == "Cliente Uno, renamed" and Partner.objects.filter(organization=acme).count() == 2


@pytest.mark.django_db
def test_one_bad_item_changes_nothing_and_is_pointed_at(api, acme):
    body = api.post("/customers/bulk", {"items": [customer(1), customer(2, tax_id="123")]}).json()
    assert body["status"] == "rejected"
    assert [(e["item"], e["key"]) for e in body["errors"]] == [(1, "tax_id")]
    assert not Partner.objects.filter(organization=acme).exists()


@pytest.mark.django_db
def test_suppliers_with_notify_are_invited(api, acme):
    items = [
        {"tax_id": ec_ruc(601), "name": "Prov 1", "email": "p1@prov.example", "notify": True},
        {"tax_id": ec_ruc(602), "name": "Prov 2", "email": "p2@prov.example"},
    ]
    body = api.post("/suppliers/bulk", {"items": items}).json()
    assert (body["status"], body["created"], body["invitations"]) == ("applied", 2, 1)
    run_worker()
    assert [m.to for m in mail.outbox] == [["p1@prov.example"]]
    assert Invitation.objects.get().kind == Invitation.Kind.SUPPLIER_CODE


@pytest.mark.django_db
def test_more_than_a_thousand_items_are_refused(api):
    response = api.post("/customers/bulk", {"items": [customer(n) for n in range(1001)]})
    assert response.status_code == 422


@pytest.mark.django_db
def test_a_customer_is_updated_in_place_and_its_code_cannot_change(api, customer):
    path = f"/customers/{customer.pk}"
    fields = {
        "code": "C001",
        "tax_id": customer.company.tax_id,
        "name": "Ferretería El Tornillo 2",
        "email": "nuevo@tornillo.example",
        "city": "Quito",
    }
    response = api.client.put(
        "/api/v1" + path, fields, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.key}"
    )
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.city) == (
        "Ferretería El Tornillo 2",
        "nuevo@tornillo.example",
        "Quito",
    )
    changed = api.client.put(
        "/api/v1" + path,
        {**fields, "code": "C999"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )
    assert changed.status_code == 400 and changed.json()["error"]["field"] == "code"
    bad = api.client.put(
        "/api/v1" + path,
        {**fields, "email": "no"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "email"
    customer.refresh_from_db()
    assert customer.email == "nuevo@tornillo.example"


@pytest.mark.django_db
def test_another_organizations_partner_cannot_be_updated(globex_api, customer):
    response = globex_api.client.put(
        f"/api/v1/customers/{customer.pk}",
        {"code": "C001", "tax_id": "x", "name": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {globex_api.key}",
    )
    assert response.status_code == 404
