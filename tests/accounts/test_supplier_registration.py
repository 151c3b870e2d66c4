"""A supplier's person registers with the activation code from the email."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from enlace.accounts.models import User
from enlace.accounts.services import register_with_code
from enlace.accounts.supplier_invitations import invite_partner
from enlace.audit.models import AuditEvent
from enlace.invitations.lookup import MAX_FAILED_ATTEMPTS
from enlace.invitations.models import Invitation
from enlace.invitations.services import resend_invitation
from enlace.partners.models import Company
from tests.conftest import PASSWORD, run_worker
from tests.partners.suppliers import add_supplier, code_of

URL = reverse("accounts:supplier_register")
CODE_URL = reverse("accounts:supplier_register_code")
ACCOUNT_URL = reverse("accounts:supplier_register_account")
RESTART_URL = reverse("accounts:supplier_register_restart")
SUPPLIERS = reverse("partners:supplier_list")


@pytest.fixture
def invitation(acme, alice):
    partner = add_supplier(acme, 1, name="Aceros del Sur")
    [invitation] = invite_partner(
        organization=acme, partner=partner, emails=["compras@aceros.example"], by=alice
    ).invitations
    return invitation


def enter(client, code):
    return client.post(CODE_URL, {"code": code})


def account(client, **fields):
    data = {
        "email": "compras@aceros.example",
        "first_name": "Rosa",
        "last_name": "Paredes",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    return client.post(ACCOUNT_URL, data)


@pytest.mark.django_db
def test_a_supplier_registers_with_the_code_from_the_email_and_every_buyer_sees_the_check(
    smtp_server, client, invitation, acme, globex, charlie
):
    # Globex lists the same company before it registers.
    globex.country = "EC"
    globex.save()
    add_supplier(globex, 1, name="Southern Steel")
    run_worker()
    [message] = smtp_server.messages
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    code = body.get_payload(decode=True).decode().split("Su código de activación: ", 1)[1].split()[0]

    assert enter(client, code.lower().replace("-", "")).url == URL  # the code is kept in the session
    confirm = client.get(URL).content.decode()
    assert "Acme S.A." in confirm and "Aceros del Sur" in confirm and "1700000019001" in confirm
    assert 'value="compras@aceros.example"' in confirm  # the email is prefilled
    assert code not in confirm and "code" not in client.get(URL).request["QUERY_STRING"]

    done = account(client)
    assert done.url == reverse("home")
    user = User.objects.get(email="compras@aceros.example")
    assert user.profile == User.Profile.SUPPLIER and user.status == User.Status.READY
    assert user.partner == invitation.partner and user.organization == acme
    assert user.check_password(PASSWORD)
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REGISTERED and invitation.used_at is not None
    assert Company.objects.get().registered_at is not None
    assert AuditEvent.objects.filter(invitation=invitation, action=AuditEvent.Action.REGISTERED).exists()
    assert client.get(reverse("home")).status_code == 200  # logged in

    client.logout()
    charlie.language = ""
    charlie.save()
    client.force_login(charlie)
    page = client.get(SUPPLIERS, {"status": "registered"}).content.decode()
    assert "Southern Steel" in page and 'class="verified"' in page
    assert 'title="Registered on the network' in page


@pytest.mark.django_db
def test_the_page_speaks_the_invitations_language(client, globex, charlie):
    globex.country = "EC"
    globex.save()
    partner = add_supplier(globex, 3, name="Andes Supplies")
    [inv] = invite_partner(
        organization=globex, partner=partner, emails=["s@andes.example"], by=charlie
    ).invitations
    enter(client, code_of(inv))
    page = client.get(URL).content.decode()
    assert "Globex S.A.</strong> invited this company to its supplier network" in page
    assert "Confirm and create my account" in page


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["upper", "lower", "compact", "spaced"])
def test_the_code_may_be_typed_in_any_case_with_or_without_dashes(client, invitation, spelling):
    code = code_of(invitation)
    typed = {
        "upper": code,
        "lower": code.lower(),
        "compact": code.replace("-", "").lower(),
        "spaced": " " + code.replace("-", " ") + " ",
    }[spelling]
    assert enter(client, typed).status_code == 302
    assert "Aceros del Sur" in client.get(URL).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["ZZZZ-ZZZZ-ZZZZ", "short", ""])
def test_a_wrong_code_is_refused(client, invitation, typed):
    response = enter(client, typed)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Este código no es válido" in page or "Este campo es obligatorio" in page
    assert "Aceros del Sur" not in client.get(URL).content.decode()


@pytest.mark.django_db
def test_wrong_codes_from_one_address_are_rate_limited(client, settings, invitation):
    settings.RATE_LIMIT_ATTEMPTS = 3
    for _ in range(3):
        enter(client, "ZZZZ-ZZZZ-ZZZZ")
    response = enter(client, code_of(invitation))  # even the right code waits now
    assert response.status_code == 429 and "Demasiados intentos fallidos" in response.content.decode()


@pytest.mark.django_db
def test_ten_refused_submissions_lock_the_code_until_the_admin_resends_it(
    client, settings, invitation, alice
):
    settings.RATE_LIMIT_ATTEMPTS = 1000  # this test is about the per-code lock
    code = code_of(invitation)
    enter(client, code)
    for _ in range(MAX_FAILED_ATTEMPTS):
        refused = account(client, password2="something else entirely")
        assert refused.status_code in (200, 410)
    invitation.refresh_from_db()
    assert invitation.failed_attempts == MAX_FAILED_ATTEMPTS and invitation.is_pending  # state stays
    assert AuditEvent.objects.filter(invitation=invitation, action=AuditEvent.Action.LOCKED).count() == 1
    locked = enter(client, code).content.decode()
    assert "Este código está bloqueado tras demasiados intentos fallidos. Pida a Acme S.A." in locked
    assert not User.objects.filter(email="compras@aceros.example").exists()

    resend_invitation(invitation=invitation, by=alice)
    fresh = code_of(invitation)
    assert enter(client, code).status_code == 200  # the old code is dead
    assert enter(client, fresh).status_code == 302
    assert account(client).url == reverse("home")


@pytest.mark.django_db
def test_an_expired_code_says_so(client, invitation):
    code = code_of(invitation)
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1)):
        page = enter(client, code).content.decode()
    assert "Este código ha caducado. Puede pedir uno nuevo aquí abajo." in page
    assert reverse("accounts:supplier_register_renew") in page


@pytest.mark.django_db
def test_a_code_that_expires_between_the_steps_is_refused_at_the_end(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        enter(client, code_of(invitation))
        clock.shift(timedelta(hours=2))
        response = account(client)
    assert response.status_code == 410 and "ha caducado" in response.content.decode()
    assert not User.objects.filter(profile=User.Profile.SUPPLIER).exists()


@pytest.mark.django_db
def test_a_used_code_cannot_register_again(client, invitation):
    code = code_of(invitation)
    enter(client, code)
    account(client)
    client.logout()
    page = enter(client, code).content.decode()
    assert "Este código ya fue usado" in page
    assert User.objects.filter(profile=User.Profile.SUPPLIER).count() == 1


@pytest.mark.django_db
def test_the_password_goes_through_djangos_validators(client, invitation):
    enter(client, code_of(invitation))
    page = account(client, password1="12345678", password2="12345678").content.decode()
    assert "Esta contraseña es" in page  # too common / entirely numeric
    assert not User.objects.filter(profile=User.Profile.SUPPLIER).exists()


@pytest.mark.django_db
def test_a_second_person_of_a_registered_supplier_becomes_another_user_of_the_same_company(
    client, invitation, acme, alice
):
    register_with_code(
        code=code_of(invitation), email=invitation.email, password=PASSWORD, first_name="Rosa", last_name="P"
    )
    registered_at = Company.objects.get().registered_at
    assert registered_at is not None
    [second] = invite_partner(
        organization=acme, partner=invitation.partner, emails=["gerencia@aceros.example"], by=alice
    ).invitations
    enter(client, code_of(second))
    assert "ya está registrada: usted será un usuario más" in client.get(URL).content.decode()
    assert account(client, email="gerencia@aceros.example").url == reverse("home")
    users = User.objects.filter(partner=invitation.partner).order_by("pk")
    assert [u.email for u in users] == ["compras@aceros.example", "gerencia@aceros.example"]
    assert Company.objects.get().registered_at == registered_at  # registered once, by the first


@pytest.mark.django_db
def test_an_email_that_already_has_an_account_is_refused_with_a_message(client, invitation, alice):
    enter(client, code_of(invitation))
    page = account(client, email="alice@acme.example").content.decode()
    assert "Ya existe un usuario con este correo electrónico." in page


@pytest.mark.django_db
def test_starting_over_forgets_the_code(client, invitation):
    enter(client, code_of(invitation))
    client.post(RESTART_URL)
    assert 'name="code"' in client.get(URL).content.decode()


@pytest.mark.django_db
def test_the_activation_requests_name_the_person_who_used_the_code(alice_client, invitation):
    register_with_code(
        code=code_of(invitation),
        email=invitation.email,
        password=PASSWORD,
        first_name="Rosa",
        last_name="Paredes",
    )
    row = alice_client.get(reverse("invitations:list"), {"q": "aceros"}).content.decode()
    assert "Rosa Paredes" in row
    invitation.refresh_from_db()
    assert invitation.user.email == "compras@aceros.example" and invitation.full_name == "Rosa Paredes"
