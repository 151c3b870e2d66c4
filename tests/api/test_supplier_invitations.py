"""The ERP invites suppliers through the same functions as the Suppliers page."""

import pytest
from django.core import mail

from enlace.invitations.models import Invitation
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.api.conftest import error_of
from tests.conftest import run_worker


def supplier(organization, n, email=""):
    return create_partner(
        organization=organization,
        kind=Partner.Kind.SUPPLIER,
        tax_id=ec_ruc(300 + n),
        name=f"Proveedor {n}",
        email=email,
    )


@pytest.mark.django_db
def test_one_supplier_at_two_addresses_then_again_without_duplicates(api, acme):
    partner = supplier(acme, 1)
    response = api.post(
        "/invitations", {"partner_id": partner.pk, "emails": ["a@p1.example", "b@p1.example"]}
    )
    assert response.status_code == 201, response.content
    assert response.json()["invited"] == 2
    again = api.post("/invitations", {"partner_id": partner.pk, "emails": ["A@p1.example"]}).json()
    assert (again["invited"], again["resent"]) == (1, 1)  # one address emailed, by a fresh code
    assert Invitation.objects.filter(partner=partner, kind=Invitation.Kind.SUPPLIER_CODE).count() == 2
    run_worker()
    # The first code of a@ was replaced before the worker ran: only the fresh one is emailed.
    assert sorted(m.to[0] for m in mail.outbox) == ["a@p1.example", "b@p1.example"]


@pytest.mark.django_db
def test_a_bad_address_invites_nobody_and_is_named(api, acme):
    partner = supplier(acme, 2)
    response = api.post(
        "/invitations", {"partner_id": partner.pk, "emails": ["ok@p2.example", "not an email"]}
    )
    error = error_of(response, 400)
    assert "not an email" in error["message"]
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_selected_suppliers_with_skipped_ones_and_their_reasons(api, acme):
    with_email, without = supplier(acme, 3, "x@p3.example"), supplier(acme, 4)
    response = api.post("/invitations/selected", {"partner_ids": [with_email.pk, without.pk]})
    assert response.status_code == 201
    body = response.json()
    assert body["invited"] == 1 and body["skipped"] == [{"partner_id": without.pk, "reason": "no_email"}]


@pytest.mark.django_db
def test_another_organizations_supplier_is_a_404(globex_api, acme):
    partner = supplier(acme, 5, "y@p5.example")
    error_of(globex_api.post("/invitations", {"partner_id": partner.pk, "emails": ["z@p5.example"]}), 404)
    error_of(globex_api.post("/invitations/selected", {"partner_ids": [partner.pk]}), 404)
    assert not Invitation.objects.exists()
