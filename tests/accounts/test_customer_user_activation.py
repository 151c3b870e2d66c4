"""An admin registers a customer's person, who activates by link, logs in with the temporary
password, must choose a new one, and becomes ready."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from enlace.accounts.models import User
from enlace.audit.models import AuditEvent
from enlace.invitations.models import Invitation
from enlace.organizations.models import Organization
from tests.conftest import PASSWORD, ec_cedula, field_in, link_in, run_worker

NEW_PASSWORD = "Quito-Guayaquil-2026!"


def add_user(client, customer, email="maria@tornillo.example", username=None):
    return client.post(
        reverse("accounts:user_create"),
        {
            "username": username or ec_cedula(500),
            "profile": "customer",
            "customer": customer.pk,
            "first_name": "María José",
            "last_name": "Paredes",
            "email": email,
            "portal_enabled": "on",
        },
    )


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def activate(client, message):
    client.get(link_in(message, "/a/"))
    return client.post(reverse("accounts:activate"))


@pytest.mark.django_db
def test_the_whole_flow_from_add_to_ready(alice_client, customer, client):
    response = add_user(alice_client, customer)
    assert response.status_code == 302
    user = User.objects.get(email="maria@tornillo.example")
    assert user.status == User.Status.PENDING_ACTIVATION
    assert user.partner == customer and user.profile == User.Profile.CUSTOMER
    page = alice_client.get(reverse("accounts:user_list"))
    assert "Pendiente de activación" in page.content.decode()  # acme speaks Spanish

    assert mail.outbox == []  # the email goes through the worker, not the request
    run_worker()
    [message] = mail.outbox
    assert message.to == ["maria@tornillo.example"]
    username = field_in(message, "Usuario")
    temporary = field_in(message, "Contraseña temporal")
    assert username == user.username

    alice_client.logout()
    assert login(client, username, temporary).status_code == 200  # refused: not activated yet
    response = activate(client, message)
    assert "Su cuenta está activa" in response.content.decode()
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE

    response = login(client, username, temporary)
    assert response.status_code == 302
    # Only the set-password page can be reached until a new password is chosen.
    assert client.get(reverse("partners:customer_list"))["Location"] == reverse("accounts:set_password")
    response = client.post(
        reverse("accounts:set_password"),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.status == User.Status.READY and not user.must_change_password
    assert "Listo para usar el portal de compras B2B" in client.get("/").content.decode()

    client.logout()
    assert login(client, username, NEW_PASSWORD).status_code == 302
    alice_client.force_login(User.objects.get(email="alice@acme.example"))
    listing = alice_client.get(reverse("accounts:user_list")).content.decode()
    assert "Listo para usar el portal de compras B2B" in listing
    actions = list(user.audit_events.values_list("action", flat=True))
    assert actions == ["created", "sent", "activated", "ready"]


@pytest.mark.django_db
def test_opening_the_link_does_not_consume_it_and_drops_the_token_from_the_url(
    alice_client, customer, client
):
    add_user(alice_client, customer)
    run_worker()
    link = link_in(mail.outbox[0], "/a/")
    for _ in range(3):  # a mail scanner, a preview, the person
        response = client.get(link)
        assert response.status_code == 302 and response["Location"] == reverse("accounts:activate")
    page = client.get(reverse("accounts:activate"))
    assert page.status_code == 200 and "Activar mi cuenta" in page.content.decode()
    assert User.objects.get(email="maria@tornillo.example").status == User.Status.PENDING_ACTIVATION


@pytest.mark.django_db
def test_a_used_link_says_the_account_is_ready(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    activate(client, mail.outbox[0])
    other = client.__class__()
    response = activate(other, mail.outbox[0])
    assert response.status_code == 410
    page = response.content.decode()
    assert "Su cuenta está lista" in page and reverse("accounts:login") in page


@pytest.mark.django_db
def test_the_link_expires_after_48_hours(alice_client, customer, client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        add_user(alice_client, customer)
        run_worker()
        message = mail.outbox[0]
        clock.shift(timedelta(hours=48) - timedelta(seconds=1))
        client.get(link_in(message, "/a/"))
        assert client.get(reverse("accounts:activate")).status_code == 200  # still valid
        clock.shift(timedelta(seconds=1))
        response = activate(client, message)
        assert response.status_code == 410
    assert User.objects.get(email="maria@tornillo.example").status == User.Status.PENDING_ACTIVATION


@pytest.mark.django_db
def test_unknown_expired_and_used_links_look_the_same(client):
    response = client.get(reverse("accounts:activation_link", args=["not-a-real-token"]), follow=True)
    assert response.status_code == 410
    assert "ya no es válido" in response.content.decode() or "no longer valid" in response.content.decode()


@pytest.mark.django_db
def test_resend_kills_the_old_link_and_temporary_password(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    first = mail.outbox[0]
    user = User.objects.get(email="maria@tornillo.example")
    response = alice_client.post(reverse("accounts:user_resend", args=[user.pk]))
    assert response.status_code == 302
    run_worker()
    second = mail.outbox[1]
    assert first.extra_headers["Message-ID"] != second.extra_headers["Message-ID"]
    assert field_in(first, "Contraseña temporal") != field_in(second, "Contraseña temporal")

    assert activate(client, first).status_code == 410
    assert "Su cuenta está activa" in activate(client, second).content.decode()
    assert login(client, user.username, field_in(first, "Contraseña temporal")).status_code == 200
    assert login(client, user.username, field_in(second, "Contraseña temporal")).status_code == 302
    assert "resent" in user.audit_events.values_list("action", flat=True)


@pytest.mark.django_db
def test_a_temporary_password_cannot_be_kept(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    message = mail.outbox[0]
    temporary = field_in(message, "Contraseña temporal")
    activate(client, message)
    login(client, field_in(message, "Usuario"), temporary)
    response = client.post(reverse("accounts:set_password"), {"password1": temporary, "password2": temporary})
    assert response.status_code == 200
    assert "diferente de la contraseña temporal" in response.content.decode()
    assert User.objects.get(email="maria@tornillo.example").status == User.Status.ACTIVE


@pytest.mark.django_db
def test_a_temporary_password_works_only_once(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    message = mail.outbox[0]
    activate(client, message)
    username, temporary = field_in(message, "Usuario"), field_in(message, "Contraseña temporal")
    assert login(client, username, temporary).status_code == 302
    client.logout()
    response = login(client, username, temporary)
    assert response.status_code == 200
    assert "ya no funciona" in response.content.decode()


@pytest.mark.django_db
def test_a_temporary_password_dies_with_the_link(alice_client, customer, client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        add_user(alice_client, customer)
        run_worker()
        message = mail.outbox[0]
        activate(client, message)
        clock.shift(timedelta(hours=49))
        response = login(client, field_in(message, "Usuario"), field_in(message, "Contraseña temporal"))
    assert response.status_code == 200
    assert "ya no funciona" in response.content.decode()


@pytest.mark.django_db
def test_link_only_style_lets_the_person_choose_a_password(alice_client, customer, client, acme):
    acme.activation_style = Organization.ActivationStyle.LINK_ONLY
    acme.save()
    add_user(alice_client, customer)
    run_worker()
    message = mail.outbox[0]
    assert "Contraseña temporal" not in message.body
    client.get(link_in(message, "/a/"))
    response = client.post(
        reverse("accounts:activate"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="maria@tornillo.example")
    assert user.status == User.Status.READY
    client.logout()
    assert login(client, user.username, NEW_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_email_and_pages_follow_the_organization_language(client, globex, charlie):
    from enlace.partners.models import Partner
    from enlace.partners.services import create_partner

    partner = create_partner(
        organization=globex,
        kind=Partner.Kind.CUSTOMER,
        tax_id="900373115-3",
        code="G1",
        name="Cliente Globex",
    )
    client.force_login(charlie)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "900373115-3",
            "profile": "customer",
            "customer": partner.pk,
            "first_name": "John",
            "last_name": "Smith",
            "email": "john@example.com",
            "portal_enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    run_worker()
    [message] = mail.outbox
    assert "Activate your account" in message.subject
    assert "Temporary password" in message.body
    html = message.alternatives[0][0]
    assert "Activate my account" in html


@pytest.mark.django_db
def test_the_invitation_and_its_task_are_one_transaction(alice, customer, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from enlace.accounts import services

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "queue_emails", explode)
    with pytest.raises(RuntimeError):
        services.create_customer_user(
            organization=customer.organization,
            by=alice,
            username=ec_cedula(7),
            partner=customer,
            email="x@tornillo.example",
        )
    assert not User.objects.filter(email="x@tornillo.example").exists()
    assert not Invitation.objects.exists() and not DBTaskResult.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_secret_is_stored_only_as_a_hash(alice_client, customer):
    add_user(alice_client, customer)
    run_worker()
    invitation = Invitation.objects.get()
    token = link_in(mail.outbox[0], "/a/").rstrip("/").rsplit("/", 1)[1]
    temporary = field_in(mail.outbox[0], "Contraseña temporal")
    assert len(token) >= 43  # 256 bits in base64
    stored = " ".join(str(v) for v in Invitation.objects.values().get().values())
    assert token not in stored and temporary not in stored
    assert invitation.user.password.startswith("argon2$")


@pytest.mark.django_db
def test_guessing_links_is_rate_limited(client, settings):
    settings.RATE_LIMIT_ATTEMPTS = 5
    for n in range(5):
        client.get(reverse("accounts:activation_link", args=[f"guess-{n}"]))
        assert client.get(reverse("accounts:activate")).status_code == 410
    client.get(reverse("accounts:activation_link", args=["guess-6"]))
    assert client.get(reverse("accounts:activate")).status_code == 429


@pytest.mark.django_db
def test_login_attempts_are_rate_limited(client, alice, settings):
    settings.RATE_LIMIT_ATTEMPTS = 3
    for _ in range(3):
        assert login(client, "alice@acme.example", "wrong").status_code == 200
    response = login(client, "alice@acme.example", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_customer_picker_searches_the_whole_master(alice_client, acme, customer):
    from enlace.partners.models import Partner
    from enlace.partners.samples import ec_ruc
    from enlace.partners.services import create_partner

    for n in range(60):
        create_partner(
            organization=acme,
            kind=Partner.Kind.CUSTOMER,
            tax_id=ec_ruc(100 + n),
            code=f"Z{n:03d}",
            name=f"Zeta {n}",
        )
    form = alice_client.get(reverse("accounts:user_create")).content.decode()
    assert form.count("Zeta ") < 60  # a long master is not dumped into the page
    options = alice_client.get(reverse("partners:customer_options"), {"customer_search": "Z059"})
    assert "Zeta 59" in options.content.decode() and "Zeta 58" not in options.content.decode()
    late = Partner.objects.get(code="Z059")
    response = add_user(alice_client, late)
    assert response.status_code == 302
    assert User.objects.get(email="maria@tornillo.example").partner == late


@pytest.mark.django_db
def test_resending_to_someone_who_chose_a_password_keeps_it(alice, customer, client):
    from enlace.accounts.services import create_customer_user, resend_activation

    user = create_customer_user(
        organization=customer.organization,
        by=alice,
        username=ec_cedula(21),
        partner=customer,
        email="own@tornillo.example",
    )
    # As registration by link leaves them: their own password, no temporary one.
    user.set_password(NEW_PASSWORD)
    user.must_change_password = False
    user.temporary_password_expires_at = None
    user.save()
    resend_activation(user=user, by=alice)
    run_worker()
    message = mail.outbox[-1]
    assert "Contraseña temporal" not in message.body
    assert "la que eligió al registrarse" in message.body
    client.get(link_in(message, "/a/"))
    page = client.get(reverse("accounts:activate")).content.decode()
    assert "contraseña temporal" not in page
    client.post(reverse("accounts:activate"))
    assert login(client, user.username, NEW_PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.status == User.Status.READY


@pytest.mark.django_db
def test_after_activating_the_login_page_speaks_the_emails_language(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    client.get(link_in(mail.outbox[0], "/a/"), HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("accounts:activate"), HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Iniciar sesión en Enlace" in page  # acme's email was in Spanish


@pytest.mark.django_db
def test_resend_on_an_imported_person_resends_their_registration_link(alice_client, alice, customer):
    from enlace.invitations.services import build_invitation, queue_emails

    person = User.objects.create(
        username="ana@tornillo.example",
        email="ana@tornillo.example",
        profile=User.Profile.CUSTOMER,
        status=User.Status.PENDING_ACTIVATION,
        organization=customer.organization,
        partner=customer,
    )
    invitation = build_invitation(
        organization=customer.organization,
        kind=Invitation.Kind.REGISTRATION,
        email=person.email,
        by=alice,
        partner=customer,
        user=person,
    )
    invitation.save()
    queue_emails([invitation])
    run_worker()
    first = link_in(mail.outbox[-1], "/r/")
    response = alice_client.post(reverse("accounts:user_resend", args=[person.pk]), follow=True)
    assert "no tiene una activación" not in response.content.decode()
    run_worker()
    second = link_in(mail.outbox[-1], "/r/")
    assert first != second
    invitation.refresh_from_db()
    assert invitation.generation == 2
