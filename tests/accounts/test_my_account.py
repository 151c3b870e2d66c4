"""My account: every signed-in person changes their own password, email address and language,
and signs out of their other sessions; what they change is their account's, in every
organization that knows them."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enlace.accounts import joining
from enlace.accounts.models import Account, EmailChange, User
from enlace.accounts.password_reset import issue_reset
from enlace.audit.models import AuditEvent
from enlace.lib import ratelimit
from tests.conftest import PASSWORD, ec_cedula, link_in, run_worker

NEW_PASSWORD = "Cuenca-Loja-Zamora-2026!"
NEW_EMAIL = "alice.nueva@acme.example"


@pytest.fixture
def rosa_at_globex(alice, globex, charlie):
    """Alice is also a customer's person at Globex: one account, two Users."""
    from enlace.partners.models import Partner
    from enlace.partners.samples import ec_ruc
    from enlace.partners.services import create_partner

    partner = create_partner(
        organization=globex,
        kind=Partner.Kind.CUSTOMER,
        tax_id=ec_ruc(7),
        code="G7",
        name="Cliente Globex",
        email="compras@cliente.example",
    )
    user = User(
        username=ec_cedula(7),
        email=alice.email,
        profile=User.Profile.CUSTOMER,
        organization=globex,
        partner=partner,
        status=User.Status.READY,
    )
    joining.share_credentials(user, account=alice.account)
    user.save()
    return user


def signed_in(user):
    browser = Client()
    assert (
        browser.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD}).status_code
        == 302
    )
    return browser


def page(browser, name, **extra):
    return browser.get(reverse(name), **extra).content.decode()


def is_signed_in(browser) -> bool:
    return browser.get(reverse("accounts:my_account")).status_code == 200


def events(action):
    return list(AuditEvent.objects.filter(action=action).values_list("organization__slug", "user_id"))


@pytest.mark.django_db
def test_every_signed_in_person_has_a_my_account_link_in_their_language(alice, client):
    browser = signed_in(alice)
    assert reverse("accounts:my_account") in page(browser, "home")
    assert "Mi cuenta" in page(browser, "accounts:my_account")
    # Nobody signed in: the page asks to sign in.
    response = client.get(reverse("accounts:my_account"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_a_wrong_current_password_changes_nothing(alice):
    browser = signed_in(alice)
    response = browser.post(
        reverse("accounts:change_password"),
        {"current_password": "not it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Su contraseña actual no es correcta." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert events(AuditEvent.Action.PASSWORD_CHANGED) == []


@pytest.mark.django_db
def test_guessing_the_current_password_is_limited(alice):
    browser = signed_in(alice)
    for _ in range(5):
        browser.post(
            reverse("accounts:change_password"),
            {"current_password": "guess", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    response = browser.post(
        reverse("accounts:change_password"),
        {"current_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert "Demasiados intentos fallidos" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


@pytest.mark.django_db
def test_a_new_password_must_pass_the_validators(alice):
    browser = signed_in(alice)
    response = browser.post(
        reverse("accounts:change_password"),
        {"current_password": PASSWORD, "password1": "1234", "password2": "1234"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


@pytest.mark.django_db
def test_changing_the_password_keeps_this_session_and_ends_the_others_in_every_organization(
    alice, rosa_at_globex
):
    here, elsewhere = signed_in(alice), signed_in(alice)
    as_customer = Client()
    as_customer.force_login(rosa_at_globex)
    response = here.post(
        reverse("accounts:change_password"),
        {"current_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:my_account")
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere) and not is_signed_in(as_customer)
    rosa_at_globex.refresh_from_db()
    assert rosa_at_globex.check_password(NEW_PASSWORD)  # one password for the account
    fresh = Client()
    assert (
        fresh.post(reverse("accounts:login"), {"username": alice.email, "password": NEW_PASSWORD}).status_code
        == 302
    )
    assert sorted(events(AuditEvent.Action.PASSWORD_CHANGED)) == [
        ("acme", alice.pk),
        ("globex", rosa_at_globex.pk),
    ]


@pytest.mark.django_db
def test_signing_out_of_other_sessions_keeps_only_this_one(alice, rosa_at_globex):
    here, elsewhere = signed_in(alice), signed_in(alice)
    as_customer = Client()
    as_customer.force_login(rosa_at_globex)
    response = here.post(reverse("accounts:end_other_sessions"))
    assert response.status_code == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere) and not is_signed_in(as_customer)
    # The password is unchanged: signing in again works.
    assert is_signed_in(signed_in(alice))
    assert ("acme", alice.pk) in events(AuditEvent.Action.OTHER_SESSIONS_ENDED)


def ask_for(browser, new_email=NEW_EMAIL, password=PASSWORD):
    return browser.post(reverse("accounts:change_email"), {"new_email": new_email, "password": password})


def confirmation(address=NEW_EMAIL):
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message


@pytest.mark.django_db
def test_a_new_address_is_taken_only_through_the_link_sent_to_it_and_the_old_one_is_told(
    alice, rosa_at_globex
):
    browser = signed_in(alice)
    response = ask_for(browser, "  Alice.Nueva@ACME.example ")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:email_change_sent")
    assert NEW_EMAIL in page(browser, "accounts:email_change_sent")
    alice.refresh_from_db()
    assert alice.email == "alice@acme.example"  # nothing changes yet
    run_worker()
    message = confirmation()
    assert "Confirme su nueva dirección" in message.subject
    link = link_in(message, "/e/")
    change = EmailChange.objects.get()
    assert change.expires_at - change.created_at == pytest.approx(
        timedelta(hours=24), abs=timedelta(seconds=5)
    )
    assert link.split("/")[2] not in change.token_hash  # only a hash is kept

    opened = Client().get(link)  # opened in another browser, signed in or not
    assert opened.status_code == 302 and opened["Location"] == reverse("accounts:email_change_confirm")
    assert "enlace_email_change" in opened.cookies
    other = Client()
    other.cookies = opened.cookies
    assert NEW_EMAIL in page(other, "accounts:email_change_confirm")
    assert alice.__class__.objects.get(pk=alice.pk).email == "alice@acme.example"  # opening changes nothing
    done = other.post(reverse("accounts:email_change_confirm"))
    assert done.status_code == 302

    alice.refresh_from_db()
    rosa_at_globex.refresh_from_db()
    assert alice.email == alice.username == NEW_EMAIL
    assert rosa_at_globex.email == NEW_EMAIL and rosa_at_globex.username == ec_cedula(7)
    assert Account.objects.get(pk=alice.account_id).email == NEW_EMAIL
    assert is_signed_in(browser)  # the session stays
    mail.outbox.clear()
    run_worker()
    [notice] = mail.outbox
    assert notice.to == ["alice@acme.example"]
    assert NEW_EMAIL in notice.body
    assert (
        Client().post(reverse("accounts:login"), {"username": NEW_EMAIL, "password": PASSWORD}).status_code
        == 302
    )
    assert sorted(events(AuditEvent.Action.EMAIL_CHANGED)) == [
        ("acme", alice.pk),
        ("globex", rosa_at_globex.pk),
    ]
    assert ("acme", alice.pk) in events(AuditEvent.Action.EMAIL_CHANGE_ASKED)

    # Single use.
    again = Client()
    again.get(link)
    assert again.get(reverse("accounts:email_change_confirm")).status_code == 410


@pytest.mark.django_db
def test_the_link_expires_after_a_day(alice):
    ask_for(signed_in(alice))
    run_worker()
    link = link_in(confirmation(), "/e/")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        browser = Client()
        browser.get(link)
        response = browser.post(reverse("accounts:email_change_confirm"))
    assert response.status_code == 410
    assert "Este enlace ya no es válido" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@acme.example"


@pytest.mark.django_db
def test_a_new_request_replaces_the_earlier_link(alice):
    browser = signed_in(alice)
    ask_for(browser, "first@acme.example")
    ask_for(browser, NEW_EMAIL)
    run_worker()
    assert [m.to for m in mail.outbox] == [[NEW_EMAIL]]  # the replaced link's email is not sent


@pytest.mark.django_db
def test_a_wrong_password_sends_nothing(alice):
    response = ask_for(signed_in(alice), password="not it")
    assert "Su contraseña actual no es correcta." in response.content.decode()
    assert not EmailChange.objects.exists()


@pytest.mark.django_db
def test_an_address_of_another_account_is_refused(alice, bob):
    response = ask_for(signed_in(alice), new_email="BOB@acme.example")
    assert "Esta dirección de correo ya la usa otra persona." in response.content.decode()
    assert not EmailChange.objects.exists()


@pytest.mark.django_db
def test_an_address_of_someone_in_one_of_the_persons_organizations_is_refused(alice, rosa_at_globex, charlie):
    # A Globex customer's person not signed up yet (no account): Globex knows the address as theirs.
    User.objects.create(
        username="pedro@cliente.example",
        email="pedro@cliente.example",
        profile=User.Profile.CUSTOMER,
        organization=rosa_at_globex.organization,
        partner=rosa_at_globex.partner,
        status=User.Status.PENDING_ACTIVATION,
    )
    response = ask_for(signed_in(alice), new_email="pedro@cliente.example")
    assert "Esta dirección de correo ya la usa otra persona." in response.content.decode()
    # In English for a person who chose it.
    Account.objects.filter(pk=alice.account_id).update(language="en")
    response = ask_for(signed_in(alice), new_email="pedro@cliente.example")
    assert "This email address is already used by someone else." in response.content.decode()


@pytest.mark.django_db
def test_an_address_taken_after_the_request_is_refused_when_the_link_is_followed(alice, acme):
    ask_for(signed_in(alice))
    run_worker()
    link = link_in(confirmation(), "/e/")
    from tests.conftest import make_staff

    make_staff(NEW_EMAIL, acme)
    browser = Client()
    browser.get(link)
    response = browser.post(reverse("accounts:email_change_confirm"))
    assert response.status_code == 200
    assert "Esta dirección de correo ya la usa otra persona." in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@acme.example"


@pytest.mark.django_db
def test_asking_for_new_addresses_is_limited(alice):
    browser = signed_in(alice)
    for n in range(5):
        assert ask_for(browser, f"n{n}@acme.example").status_code == 302
    response = ask_for(browser, "n9@acme.example")
    assert response.status_code == 200
    assert "Pidió demasiados cambios de dirección" in response.content.decode()


@pytest.mark.django_db
def test_guessed_links_are_limited(client):
    for n in range(settings.RATE_LIMIT_ATTEMPTS):
        client.get(f"/e/guess{n}/")
        assert client.get(reverse("accounts:email_change_confirm")).status_code == 410
    client.get("/e/guess-again/")
    assert client.get(reverse("accounts:email_change_confirm")).status_code == 429
    assert ratelimit.is_limited("email_change_link", "127.0.0.1")


@pytest.mark.django_db
def test_the_persons_language_wins_over_the_organizations_and_the_browsers(alice, acme):
    browser = signed_in(alice)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"  # chosen before, on the login page
    assert "Mi cuenta" in page(browser, "home", HTTP_ACCEPT_LANGUAGE="es")
    response = browser.post(reverse("accounts:my_account_language"), {"language": "en"})
    assert response.status_code == 302
    assert Account.objects.get(pk=alice.account_id).language == "en"
    assert acme.language == "es"
    assert "My account" in page(browser, "home", HTTP_ACCEPT_LANGUAGE="es")
    # In every browser, once signed in.
    assert "My account" in page(signed_in(alice), "home", HTTP_ACCEPT_LANGUAGE="es")
    # And in the emails Enlace writes to the person.
    issue_reset(user=User.objects.get(pk=alice.pk), language="es")
    run_worker()
    assert "Someone, probably you, asked for a new password" in mail.outbox[-1].body


@pytest.mark.django_db
def test_a_language_not_offered_is_refused_with_a_message(alice):
    browser = signed_in(alice)
    response = browser.post(reverse("accounts:my_account_language"), {"language": "fr"}, follow=True)
    assert "Elija uno de los idiomas ofrecidos." in response.content.decode()
    assert Account.objects.get(pk=alice.account_id).language == ""


@pytest.mark.django_db
def test_the_language_switch_is_the_persons_choice_once_signed_in(alice, client):
    browser = signed_in(alice)
    browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert Account.objects.get(pk=alice.account_id).language == "en"
    assert "My account" in page(signed_in(alice), "home")
    # Before signing in it is only the browser's.
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert Account.objects.get(pk=alice.account_id).language == "en"


@pytest.mark.django_db
def test_the_confirmation_goes_through_a_real_smtp_server(smtp_server, alice):
    ask_for(signed_in(alice))
    run_worker()
    [message] = smtp_server.messages
    assert message["To"] == NEW_EMAIL
    assert "Acme S.A." in message["From"]
    text = (
        next(p for p in message.walk() if p.get_content_type() == "text/plain")
        .get_payload(decode=True)
        .decode()
    )
    assert re.search(r"https://enlace\.test/e/[A-Za-z0-9_-]{43}/", text)
