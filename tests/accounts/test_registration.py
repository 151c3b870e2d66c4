"""A person imported for a customer registers through the emailed link, activates with the
second email, logs in with the password they chose, and is ready."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enlace.accounts.models import User
from enlace.accounts.services import register_with_link, resend
from enlace.audit.models import AuditEvent
from enlace.invitations.lookup import InvitationInvalid
from enlace.invitations.models import Invitation
from enlace.invitations.secrets import secret_of
from enlace.invitations.services import build_invitation, queue_emails
from enlace.partners.models import Partner
from enlace.partners.services import create_partner
from tests.conftest import ec_ruc, link_in, run_worker

PASSWORD = "Cuenca-Loja-2026!"


def import_person(
    organization,
    partner,
    *,
    email="maria@tornillo.example",
    phone="+593991234567",
    first_name="María José",
    last_name="Paredes",
):
    """What the customer users import writes for one row: a pending user and its invitation."""
    with transaction.atomic():
        user = User.objects.create(
            username=email,
            email=email,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            profile=User.Profile.CUSTOMER,
            status=User.Status.PENDING_ACTIVATION,
            organization=organization,
            partner=partner,
            language=organization.language,
            password=make_password(None),
        )
        invitation = build_invitation(
            organization=organization,
            kind=Invitation.Kind.REGISTRATION,
            email=email,
            partner=partner,
            user=user,
            first_name=user.first_name,
            last_name=user.last_name,
            phone=phone,
        )
        invitation.save()
        queue_emails([invitation])
    return user, invitation


def form_data(**overrides):
    data = {
        "first_name": "María José",
        "last_name": "Paredes Vera",
        "phone": "099 123 4567",
        "job_title": "Jefa de compras",
        "language": "es",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def open_link(client, message):
    return client.get(link_in(message, "/r/"))


def register(client, message, **overrides):
    open_link(client, message)
    return client.post(reverse("accounts:register"), form_data(**overrides))


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_register_activate_log_in_and_be_ready(acme, customer, client):
    user, invitation = import_person(acme, customer)
    run_worker()
    [invite] = mail.outbox
    assert invite.to == ["maria@tornillo.example"]
    assert "Acme S.A." in invite.subject and "Acme S.A." in invite.body
    assert "válido hasta" in invite.body

    response = register(client, invite)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:register")
    done = client.get(reverse("accounts:register")).content.decode()
    assert "Su cuenta fue creada" in done and "maria@tornillo.example" in done

    user.refresh_from_db()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REGISTERED and invitation.used_at is not None
    assert user.status == User.Status.PENDING_ACTIVATION
    assert user.check_password(PASSWORD) and not user.must_change_password
    assert user.last_name == "Paredes Vera" and user.job_title == "Jefa de compras"
    assert user.phone == "+593991234567"  # national form typed, E.164 stored
    assert login(client, user.username, PASSWORD).status_code == 200  # not activated yet

    run_worker()
    activation_email = mail.outbox[1]
    assert activation_email.to == ["maria@tornillo.example"]
    page = client.get(link_in(activation_email, "/a/"), follow=True).content.decode()
    assert "Activar mi cuenta" in page
    assert 'type="password"' not in page  # the password was chosen when registering
    response = client.post(reverse("accounts:activate"))
    assert "Su cuenta está activa" in response.content.decode()

    assert login(client, "maria@tornillo.example", PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.status == User.Status.READY
    assert "Listo para usar el portal de compras B2B" in client.get("/").content.decode()
    actions = list(user.audit_events.values_list("action", flat=True))
    assert actions == ["sent", "registered", "created", "sent", "activated", "ready"]


@pytest.mark.django_db
def test_the_form_is_prefilled_and_email_and_customer_cannot_be_changed(acme, customer, client):
    other = create_partner(
        organization=acme, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(2), code="C002", name="Otro"
    )
    user, _ = import_person(acme, customer)
    run_worker()
    open_link(client, mail.outbox[0])
    page = client.get(reverse("accounts:register")).content.decode()
    assert 'value="maria@tornillo.example"' in page and 'value="María José"' in page
    assert "C001 · Ferretería El Tornillo" in page
    assert page.count("disabled") >= 2  # email and customer are shown read-only

    response = client.post(
        reverse("accounts:register"),
        form_data(email="mallory@evil.example", customer=str(other.pk), partner=str(other.pk)),
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "maria@tornillo.example" and user.username == "maria@tornillo.example"
    assert user.partner == customer
    activation = Invitation.objects.get(kind=Invitation.Kind.ACTIVATION)
    assert activation.email == "maria@tornillo.example" and activation.partner == customer


@pytest.mark.django_db
def test_bad_input_gets_clear_messages_and_consumes_nothing(acme, customer, client):
    user, invitation = import_person(acme, customer)
    run_worker()
    response = register(client, mail.outbox[0], phone="12", password1="1234", password2="1234")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ingrese un número de teléfono válido" in page
    assert "demasiado corta" in page  # Django's password validators, in Spanish
    response = client.post(reverse("accounts:register"), form_data(password2="something else"))
    assert "no coinciden" in response.content.decode()
    response = client.post(reverse("accounts:register"), form_data(first_name="  "))
    assert "obligatorio" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.state != Invitation.State.REGISTERED and invitation.used_at is None
    user.refresh_from_db()
    assert not user.has_usable_password()


@pytest.mark.django_db
def test_opening_the_link_does_not_consume_it_and_drops_the_token_from_the_url(acme, customer, client):
    _, invitation = import_person(acme, customer)
    run_worker()
    for _ in range(3):  # a mail scanner, a preview, the person
        response = open_link(client, mail.outbox[0])
        assert response.status_code == 302 and response["Location"] == reverse("accounts:register")
    assert client.get(reverse("accounts:register")).status_code == 200
    invitation.refresh_from_db()
    assert invitation.used_at is None


@pytest.mark.django_db
def test_the_link_works_until_48_hours_and_not_a_second_later(acme, customer, client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        user, _ = import_person(acme, customer)
        run_worker()
        invite = mail.outbox[0]
        clock.shift(timedelta(hours=48) - timedelta(seconds=1))
        open_link(client, invite)
        assert client.get(reverse("accounts:register")).status_code == 200
        clock.shift(timedelta(seconds=1))
        response = client.post(reverse("accounts:register"), form_data())
        assert response.status_code == 410
        assert "Este enlace ha caducado" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not Invitation.objects.filter(kind=Invitation.Kind.ACTIVATION).exists()


@pytest.mark.django_db
def test_a_used_link_cannot_be_used_again(acme, customer, client):
    user, _ = import_person(acme, customer)
    run_worker()
    register(client, mail.outbox[0])
    other = Client()
    open_link(other, mail.outbox[0])
    assert other.get(reverse("accounts:register")).status_code == 410
    response = other.post(
        reverse("accounts:register"), form_data(password1="x" + PASSWORD, password2="x" + PASSWORD)
    )
    assert response.status_code == 410
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Invitation.objects.filter(kind=Invitation.Kind.ACTIVATION).count() == 1


@pytest.mark.django_db
def test_unknown_links_show_the_same_page_whatever_exists(acme, customer):
    """A made-up token tells nothing: the page is the generic one, byte for byte, whether or not
    the database holds used, expired or replaced links."""
    pages = []
    for setup in (False, True):
        if setup:
            _, used = import_person(acme, customer, email="used@tornillo.example")
            register_with_link(token=secret_of(used), password=PASSWORD, first_name="A", last_name="B")
            _, expired = import_person(acme, customer, email="expired@tornillo.example")
            Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
            _, replaced = import_person(acme, customer, email="replaced@tornillo.example")
            resend(invitation=replaced)
        browser = Client()
        browser.get(reverse("accounts:registration_link", args=["not-a-real-token"]))
        response = browser.get(reverse("accounts:register"))
        assert response.status_code == 410
        # The masked CSRF token differs on every render; nothing else may.
        pages.append(re.sub(r'(X-CSRFToken": "|value=")[\w-]{64}', "", response.content.decode()))
    assert pages[0] == pages[1]
    assert "ya no es válido" in pages[0]
    assert Client().get(reverse("accounts:register")).status_code == 410  # no link at all


@pytest.mark.django_db
def test_the_second_of_two_submissions_finds_the_link_used(acme, customer):
    user, invitation = import_person(acme, customer)
    token = secret_of(invitation)
    register_with_link(token=token, password=PASSWORD, first_name="María", last_name="Paredes")
    with pytest.raises(InvitationInvalid):
        register_with_link(token=token, password="Other-" + PASSWORD, first_name="X", last_name="Y")
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and user.first_name == "María"
    assert Invitation.objects.filter(user=user, kind=Invitation.Kind.ACTIVATION).count() == 1
    assert AuditEvent.objects.filter(user=user, action=AuditEvent.Action.REGISTERED).count() == 1


@pytest.mark.django_db
def test_an_english_invitation_speaks_english(globex, client):
    partner = create_partner(
        organization=globex, kind=Partner.Kind.CUSTOMER, tax_id="900123456", code="G1", name="Initech"
    )
    import_person(globex, partner, email="peter@initech.example", phone="")
    run_worker()
    [invite] = mail.outbox
    assert invite.subject == "Complete your registration in the Globex S.A. purchase portal"
    assert "valid until" in invite.body and "Initech" in invite.body
    html = invite.alternatives[0][0]
    assert "Complete my registration" in html and "Globex S.A." in html
    open_link(client, invite)
    assert "Complete your registration" in client.get(reverse("accounts:register")).content.decode()
    response = client.post(reverse("accounts:register"), form_data(language="en", phone=""), follow=True)
    assert "Your account was created" in response.content.decode()
    run_worker()
    assert mail.outbox[1].subject.startswith("Activate your account")


@pytest.mark.django_db
def test_the_chosen_language_is_the_activation_emails(acme, customer, client):
    user, _ = import_person(acme, customer)
    run_worker()
    response = register(client, mail.outbox[0], language="en")
    assert "Your account was created" in client.get(response["Location"]).content.decode()
    run_worker()
    assert mail.outbox[1].subject.startswith("Activate your account")
    user.refresh_from_db()
    assert user.language == "en"
