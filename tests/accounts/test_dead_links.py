"""Links and codes that no longer open their invitation explain themselves to whoever holds a
real one (used, expired, replaced), and an expired one asks for a fresh one; a made-up one still
gets the generic page."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from enlace.accounts.models import User
from enlace.accounts.services import register_with_link, resend
from enlace.accounts.supplier_invitations import invite_partner
from enlace.accounts.views.dead_links import RENEWALS_PER_ADDRESS
from enlace.audit.models import AuditEvent
from enlace.invitations.lookup import CodeRefused, InvitationInvalid, find_by_code, find_by_token
from enlace.invitations.models import Invitation
from enlace.invitations.secrets import secret_of
from enlace.invitations.services import expire_overdue_invitations, revoke_invitation
from tests.accounts.test_customer_user_activation import add_user
from tests.accounts.test_registration import PASSWORD, form_data, import_person
from tests.conftest import link_in, run_worker
from tests.partners.suppliers import add_supplier, code_of

REGISTER = reverse("accounts:register")
RENEW_REGISTRATION = reverse("accounts:register_renew")
CODE_URL = reverse("accounts:supplier_register_code")
SUPPLIER_URL = reverse("accounts:supplier_register")
RENEW_CODE = reverse("accounts:supplier_register_renew")


def open_registration(browser, token):
    """Open a registration link (its token, or the link's path from an email)."""
    browser.get(token if token.startswith("/r/") else reverse("accounts:registration_link", args=[token]))
    return browser.get(REGISTER)


def without_csrf(page: str) -> str:
    """The masked CSRF token differs on every render; nothing else may."""
    return re.sub(r'(X-CSRFToken": "|value=")[\w-]{64}', "", page)


def in_spanish(when) -> str:
    with translation.override("es"):
        return formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")


def expire(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expire_overdue_invitations()


@pytest.fixture
def supplier_invitation(acme, alice):
    partner = add_supplier(acme, 1, name="Aceros del Sur")
    [invitation] = invite_partner(
        organization=acme, partner=partner, emails=["compras@aceros.example"], by=alice
    ).invitations
    return invitation


# Links


@pytest.mark.django_db
def test_an_expired_link_sends_a_fresh_one_to_the_invited_address_that_works(acme, customer, client):
    _, invitation = import_person(acme, customer)
    run_worker()
    first = mail.outbox.pop()
    expire(invitation)

    page = open_registration(client, link_in(first, "/r/")).content.decode()
    assert "Este enlace ha caducado" in page and "Acme S.A." in page
    assert f'action="{RENEW_REGISTRATION}"' in page and "Enviarme un enlace nuevo" in page
    assert "maria@tornillo.example" not in page  # the address is not shown, only used
    assert reverse("partners:supplier_list") not in page  # no staff menu for a stranger

    response = client.post(RENEW_REGISTRATION)
    assert response.url == reverse("accounts:link_renewed")
    done = client.get(response.url).content.decode()
    assert "Un nuevo correo está en camino" in done and "maria@tornillo.example" not in done
    run_worker()
    [fresh] = mail.outbox
    assert fresh.to == ["maria@tornillo.example"]
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.SENT and invitation.generation == 2
    assert AuditEvent.objects.filter(invitation=invitation, action=AuditEvent.Action.RENEWED).exists()

    assert "fue reemplazado" in open_registration(Client(), link_in(first, "/r/")).content.decode()
    browser = Client()
    assert open_registration(browser, link_in(fresh, "/r/")).status_code == 200
    assert browser.post(REGISTER, form_data()).status_code == 302


@pytest.mark.django_db
def test_an_expired_activation_link_renews_with_a_new_temporary_password(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    first = mail.outbox.pop()
    expire(Invitation.objects.get(kind=Invitation.Kind.ACTIVATION))
    client.get(link_in(first, "/a/"))
    page = client.get(reverse("accounts:activate")).content.decode()
    assert "Este enlace ha caducado" in page
    assert client.post(reverse("accounts:activate_renew")).url == reverse("accounts:link_renewed")
    run_worker()
    [fresh] = mail.outbox
    assert fresh.to == ["maria@tornillo.example"] and "Contraseña temporal" in fresh.body
    browser = Client()
    browser.get(link_in(fresh, "/a/"))
    assert browser.post(reverse("accounts:activate")).status_code == 200
    assert User.objects.get(email="maria@tornillo.example").status == User.Status.ACTIVE


@pytest.mark.django_db
def test_a_replaced_link_says_when_the_newer_one_was_sent(acme, customer, client):
    _, invitation = import_person(acme, customer)
    old = secret_of(invitation)
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        resend(invitation=invitation)
        resent_at = timezone.now()
    response = open_registration(client, old)
    page = response.content.decode()
    assert response.status_code == 410
    assert "Este enlace fue reemplazado por uno más reciente" in page
    assert f"Acme S.A. le envió un enlace más reciente el {in_spanish(resent_at)}" in page
    assert "Enviarme un enlace nuevo" not in page
    assert client.post(RENEW_REGISTRATION).url == REGISTER  # nothing to renew, no email
    assert Invitation.objects.get(pk=invitation.pk).generation == 2


@pytest.mark.django_db
def test_a_link_replaced_twice_gives_the_date_of_the_latest_email(acme, customer):
    _, invitation = import_person(acme, customer)
    first = secret_of(invitation)
    resend(invitation=invitation)
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        resend(invitation=invitation)
        latest = timezone.now()
    with pytest.raises(InvitationInvalid) as refused:
        find_by_token(first, kind=Invitation.Kind.REGISTRATION)
    assert refused.value.reason == "replaced" and refused.value.replaced_at == latest


@pytest.mark.django_db
def test_a_used_registration_link_points_to_the_activation_email(acme, customer, client):
    _, invitation = import_person(acme, customer)
    token = secret_of(invitation)
    register_with_link(token=token, password=PASSWORD, first_name="A", last_name="B")
    page = open_registration(client, token).content.decode()
    assert "Usted ya se registró" in page and "abra el enlace de activación" in page


@pytest.mark.django_db
def test_an_old_link_of_an_invitation_since_used_says_it_was_used(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    first = mail.outbox.pop()
    alice_client.post(
        reverse("accounts:user_resend", args=[User.objects.get(email="maria@tornillo.example").pk])
    )
    run_worker()
    browser = Client()
    browser.get(link_in(mail.outbox.pop(), "/a/"))
    browser.post(reverse("accounts:activate"))
    client.get(link_in(first, "/a/"))
    page = client.get(reverse("accounts:activate")).content.decode()
    assert "Su cuenta está lista" in page and reverse("accounts:login") in page


@pytest.mark.django_db
def test_unknown_and_revoked_links_keep_the_generic_page(acme, customer):
    _, revoked = import_person(acme, customer, email="revoked@tornillo.example")
    revoke_invitation(invitation=revoked)
    pages = set()
    for token in ["not-a-real-token", secret_of(revoked)]:
        response = open_registration(Client(), token)
        assert response.status_code == 410
        pages.add(without_csrf(response.content.decode()))
    [page] = pages
    assert "Este enlace ya no es válido" in page and "Enviarme" not in page


@pytest.mark.django_db
def test_asking_for_a_new_link_without_a_real_one_sends_nothing(acme, customer, client):
    _, invitation = import_person(acme, customer)
    expire(invitation)
    open_registration(client, "not-a-real-token")
    assert client.post(RENEW_REGISTRATION).url == REGISTER
    assert Client().post(RENEW_REGISTRATION).url == REGISTER
    assert Invitation.objects.get(pk=invitation.pk).state == Invitation.State.EXPIRED
    assert client.get(RENEW_REGISTRATION).status_code == 405


@pytest.mark.django_db
def test_asking_for_a_new_link_needs_the_pages_csrf_token(acme, customer):
    _, invitation = import_person(acme, customer)
    expire(invitation)
    browser = Client(enforce_csrf_checks=True)
    open_registration(browser, secret_of(invitation))
    assert browser.post(RENEW_REGISTRATION).status_code == 403
    assert Invitation.objects.get(pk=invitation.pk).state == Invitation.State.EXPIRED


@pytest.mark.django_db
def test_new_links_asked_from_one_address_are_rate_limited(acme, customer, client):
    invitations = [
        import_person(acme, customer, email=f"p{n}@tornillo.example")[1]
        for n in range(RENEWALS_PER_ADDRESS + 1)
    ]
    for invitation in invitations:
        expire(invitation)
    for invitation in invitations[:-1]:
        open_registration(client, secret_of(invitation))
        assert client.post(RENEW_REGISTRATION).status_code == 302
    open_registration(client, secret_of(invitations[-1]))
    response = client.post(RENEW_REGISTRATION)
    assert response.status_code == 429 and "Demasiados intentos" in response.content.decode()
    assert Invitation.objects.get(pk=invitations[-1].pk).state == Invitation.State.EXPIRED
    assert Invitation.objects.filter(generation=2).count() == RENEWALS_PER_ADDRESS


# Supplier codes


@pytest.mark.django_db
def test_a_replaced_code_says_when_the_newer_one_was_sent(client, supplier_invitation):
    old = code_of(supplier_invitation)
    resend(invitation=supplier_invitation)
    resent_at = Invitation.objects.get(pk=supplier_invitation.pk).replaced_secrets.get().replaced_at
    page = client.post(CODE_URL, {"code": old}).content.decode()
    assert (
        "Este código fue reemplazado por uno más reciente que Acme S.A. envió el "
        f"{in_spanish(resent_at)}: use el código del último correo." in page
    )
    assert "Aceros del Sur" not in client.get(SUPPLIER_URL).content.decode()  # nothing opened
    assert client.post(CODE_URL, {"code": code_of(supplier_invitation)}).status_code == 302


@pytest.mark.django_db
def test_replaced_codes_count_against_the_rate_limit(client, settings, supplier_invitation):
    settings.RATE_LIMIT_ATTEMPTS = 2
    old = code_of(supplier_invitation)
    resend(invitation=supplier_invitation)
    client.post(CODE_URL, {"code": old})
    client.post(CODE_URL, {"code": old})
    response = client.post(CODE_URL, {"code": code_of(supplier_invitation)})
    assert response.status_code == 429


@pytest.mark.django_db
def test_an_unknown_code_reads_as_before(client, supplier_invitation):
    resend(invitation=supplier_invitation)
    page = client.post(CODE_URL, {"code": "ZZZZ-ZZZZ-ZZZZ"}).content.decode()
    assert "Este código no es válido. Compárelo con su correo de invitación" in page
    assert "reemplazado" not in page and "Acme" not in page


@pytest.mark.django_db
def test_an_expired_code_sends_a_fresh_one_to_the_invited_address(client, supplier_invitation):
    run_worker()
    mail.outbox.clear()
    old = code_of(supplier_invitation)
    expire(supplier_invitation)
    page = client.post(CODE_URL, {"code": old}).content.decode()
    assert "Este código ha caducado" in page and f'action="{RENEW_CODE}"' in page
    assert client.get(SUPPLIER_URL).status_code == 410  # reloaded: still says so, still offers
    assert client.post(RENEW_CODE).url == reverse("accounts:link_renewed")
    run_worker()
    [fresh] = mail.outbox
    assert fresh.to == ["compras@aceros.example"]
    new = code_of(supplier_invitation)
    assert new != old and new in fresh.body
    assert "fue reemplazado" in client.post(CODE_URL, {"code": old}).content.decode()
    assert client.post(CODE_URL, {"code": new}).status_code == 302


@pytest.mark.django_db
def test_an_old_code_of_an_invitation_that_expired_since_says_it_expired(supplier_invitation):
    old = code_of(supplier_invitation)
    resend(invitation=supplier_invitation)
    expire(supplier_invitation)
    with pytest.raises(CodeRefused) as refused:
        find_by_code(old)
    assert refused.value.reason == "expired" and refused.value.invitation == supplier_invitation


@pytest.mark.django_db
def test_a_link_renewed_before_the_expiry_job_ran_reads_as_expired_then_renewed(acme, customer, client):
    _, invitation = import_person(acme, customer)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    open_registration(client, secret_of(invitation))
    client.post(RENEW_REGISTRATION)
    actions = list(
        AuditEvent.objects.filter(invitation=invitation).order_by("pk").values_list("action", flat=True)
    )
    assert actions[-2:] == [AuditEvent.Action.EXPIRED, AuditEvent.Action.RENEWED]
