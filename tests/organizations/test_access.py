"""Every page and query is scoped to the user's organization."""

import pytest
from django.urls import reverse

from enlace.accounts.models import User
from enlace.accounts.services import create_customer_user
from enlace.partners.models import Partner
from enlace.partners.services import create_partner
from tests.conftest import ec_cedula


@pytest.fixture
def globex_user(globex, charlie):
    partner = create_partner(
        organization=globex,
        kind=Partner.Kind.CUSTOMER,
        tax_id="900373115-3",
        code="G1",
        name="Globex customer",
    )
    return create_customer_user(
        organization=globex,
        by=charlie,
        username="9003731153",
        partner=partner,
        email="someone@globex.example",
    )


@pytest.mark.django_db
def test_another_organizations_user_is_a_404(alice_client, globex_user):
    assert alice_client.get(reverse("accounts:user_detail", args=[globex_user.pk])).status_code == 404
    assert alice_client.post(reverse("accounts:user_resend", args=[globex_user.pk])).status_code == 404


@pytest.mark.django_db
def test_another_organizations_customers_are_not_listed_nor_pickable(alice_client, globex_user, customer):
    listing = alice_client.get(reverse("partners:customer_list")).content.decode()
    assert "Globex customer" not in listing and customer.name in listing
    response = alice_client.post(
        reverse("accounts:user_create"),
        {
            "username": ec_cedula(9),
            "profile": "customer",
            "customer": globex_user.partner_id,
            "first_name": "A",
            "last_name": "B",
            "email": "a@b.example",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="a@b.example").exists()


@pytest.mark.django_db
def test_another_organizations_users_are_not_listed(alice_client, globex_user):
    assert globex_user.email not in alice_client.get(reverse("accounts:user_list")).content.decode()


@pytest.mark.django_db
def test_a_member_can_look_but_not_add_or_resend(client, bob, customer, alice):
    user = create_customer_user(
        organization=customer.organization,
        by=alice,
        username=ec_cedula(3),
        partner=customer,
        email="p@tornillo.example",
    )
    client.force_login(bob)
    assert client.get(reverse("accounts:user_list")).status_code == 200
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert client.post(reverse("accounts:user_resend", args=[user.pk])).status_code == 403
    assert client.get(reverse("partners:customer_create")).status_code == 403


@pytest.mark.django_db
def test_a_partner_user_cannot_reach_staff_pages(client, globex_user):
    globex_user.status = User.Status.READY
    globex_user.must_change_password = False
    globex_user.save()
    client.force_login(globex_user)
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("partners:customer_list")).status_code == 403


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_the_switcher_changes_the_organization_only_among_ones_memberships(client, alice, globex, acme):
    from enlace.organizations.models import Membership

    client.force_login(alice)
    assert client.post(reverse("org_switch"), {"organization": globex.pk}).status_code == 404
    Membership.objects.create(organization=globex, user=alice, role=Membership.Role.MEMBER)
    client.post(reverse("org_switch"), {"organization": globex.pk})
    assert globex.name in client.get(reverse("home")).content.decode()
