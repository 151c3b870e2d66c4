"""An administrator disables a partner's user: they can no longer sign in (open sessions end),
their pending invitations stop working, the API says so; enabling lets them in again. Another
organization's administrators and people are out of reach."""

import pytest
from django.test import Client
from django.urls import reverse

from enlace.accounts.joining import open_account
from enlace.accounts.models import User
from enlace.accounts.services import create_customer_user
from enlace.audit.models import AuditEvent
from enlace.invitations.models import Invitation
from tests.conftest import PASSWORD, ec_cedula


def ready_person(organization, partner, email="compras@tornillo.example"):
    user = User.objects.create_user(
        username=ec_cedula(40),
        email=email,
        password=PASSWORD,
        profile=User.Profile.CUSTOMER,
        status=User.Status.READY,
        organization=organization,
        partner=partner,
    )
    open_account(user)
    user.save()
    return user


def sign_in(username):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    return client, response


@pytest.mark.django_db
def test_a_disabled_user_is_signed_out_and_refused_then_enabled_again(acme, customer, alice_client):
    person = ready_person(acme, customer)
    browser, response = sign_in(person.email)
    assert response.status_code == 302 and browser.get("/").status_code == 200

    alice_client.post(reverse("accounts:user_disable", args=[person.pk]))

    assert browser.get("/")["Location"].startswith(reverse("accounts:login"))  # the session ended
    _again, refused = sign_in(person.email)
    assert refused.status_code == 200  # the login form again, nobody signed in
    detail = alice_client.get(reverse("accounts:user_detail", args=[person.pk])).content.decode()
    assert "Deshabilitado" in detail
    assert AuditEvent.objects.filter(user=person, action=AuditEvent.Action.USER_DISABLED).exists()

    alice_client.post(reverse("accounts:user_enable", args=[person.pk]))
    assert sign_in(person.email)[1].status_code == 302
    assert AuditEvent.objects.filter(user=person, action=AuditEvent.Action.USER_ENABLED).exists()


@pytest.mark.django_db
def test_disabling_a_pending_user_revokes_their_invitation(acme, customer, alice, alice_client):
    person = create_customer_user(
        organization=acme, by=alice, username=ec_cedula(41), partner=customer, email="nuevo@tornillo.example"
    )
    alice_client.post(reverse("accounts:user_disable", args=[person.pk]))
    assert list(Invitation.objects.filter(user=person).values_list("state", flat=True)) == ["revoked"]


@pytest.mark.django_db
def test_only_admins_of_the_organization_reach_the_actions(acme, customer, globex, charlie, bob):
    person = ready_person(acme, customer)
    member, outsider = Client(), Client()
    member.force_login(bob)
    outsider.force_login(charlie)
    assert member.post(reverse("accounts:user_disable", args=[person.pk])).status_code == 403
    assert outsider.post(reverse("accounts:user_disable", args=[person.pk])).status_code == 404
    assert outsider.post(reverse("accounts:user_enable", args=[person.pk])).status_code == 404
    person.refresh_from_db()
    assert person.is_active


@pytest.mark.django_db
def test_disabling_in_one_organization_leaves_the_persons_others(acme, customer, globex, alice_client):
    from enlace.accounts.joining import join_account
    from enlace.partners.models import Partner
    from enlace.partners.services import create_partner

    at_acme = ready_person(acme, customer)
    other = create_partner(
        organization=globex, kind=Partner.Kind.CUSTOMER, tax_id="9001234567", code="G", name="T"
    )
    at_globex = User.objects.create(
        username="79845123", email=at_acme.email, organization=globex, partner=other, status="ready"
    )
    join_account(at_globex, account=at_acme.account, password=PASSWORD)
    at_globex.save()

    alice_client.post(reverse("accounts:user_disable", args=[at_acme.pk]))

    browser, response = sign_in(at_acme.email)
    assert response.status_code == 302
    assert "Globex" in browser.get("/").content.decode()  # lands in the organization still open


@pytest.mark.django_db
def test_an_admin_sends_a_password_reset_to_a_ready_user_not_a_pending_one(
    acme, customer, alice, alice_client
):
    from django.core import mail

    from enlace.accounts.models import PasswordReset
    from tests.conftest import link_in, run_worker

    person = ready_person(acme, customer)
    alice_client.post(reverse("accounts:user_password_reset", args=[person.pk]))
    run_worker()
    [email] = mail.outbox
    assert email.to == [person.email] and link_in(email, "/p/")
    assert PasswordReset.objects.filter(user=person, used_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(user=person, action=AuditEvent.Action.PASSWORD_RESET_SENT).exists()

    pending = create_customer_user(
        organization=acme, by=alice, username=ec_cedula(42), partner=customer, email="otro@tornillo.example"
    )
    response = alice_client.post(reverse("accounts:user_password_reset", args=[pending.pk]), follow=True)
    assert "Solo se puede enviar un restablecimiento" in response.content.decode()
    assert not PasswordReset.objects.filter(user=pending).exists()


@pytest.mark.django_db
def test_the_portal_users_list_shows_who_is_disabled(acme, customer, alice_client):
    person = ready_person(acme, customer)
    alice_client.post(reverse("accounts:user_disable", args=[person.pk]))
    row = alice_client.get(reverse("accounts:user_list")).content.decode().split(person.username)[-1]
    assert "Deshabilitado" in row.split("</tr>")[0]
