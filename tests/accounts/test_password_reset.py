"""Forgot password: a person asks by username or email, receives a single-use link valid for an
hour, and chooses a new password; nobody learns from the answer whether an account exists."""

import itertools
import logging
import re
import statistics
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enlace.accounts import password_reset
from enlace.accounts.models import PasswordReset, User
from enlace.audit.models import AuditEvent
from enlace.invitations.models import Invitation
from tests.accounts.test_customer_user_activation import add_user
from tests.conftest import PASSWORD, ec_cedula, link_in, run_worker

NEW_PASSWORD = "Ambato-Riobamba-2026!"
CEDULA = ec_cedula(321)


def dotted(cedula: str) -> str:
    """A national ID as people write it: 1710034065 -> 171.003.406-5."""
    return f"{cedula[:3]}.{cedula[3:6]}.{cedula[6:9]}-{cedula[9:]}"


def make_user(customer, *, username=CEDULA, email="rosa@tornillo.example", **fields):
    fields = {"status": User.Status.READY, "language": "es", **fields}
    return User.objects.create_user(
        username=username,
        email=email,
        password=PASSWORD,
        first_name="Rosa",
        last_name="Paredes",
        profile=User.Profile.CUSTOMER,
        organization=customer.organization,
        partner=customer,
        **fields,
    )


@pytest.fixture
def rosa(customer):
    return make_user(customer)


def ask(client, identifier, **extra):
    return client.post(reverse("accounts:forgot_password"), {"identifier": identifier}, **extra)


def log_in(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def reset_messages():
    return [m for m in mail.outbox if "/p/" in m.body]


def choose(client, password=NEW_PASSWORD):
    return client.post(reverse("accounts:password_reset"), {"password1": password, "password2": password})


@pytest.mark.django_db
def test_the_login_page_leads_to_the_forgot_password_page(client):
    login_page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:forgot_password") in login_page
    assert "¿Olvidó su contraseña?" in login_page
    page = client.get(reverse("accounts:forgot_password"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Forgot your password?" in page.content.decode()


@pytest.mark.django_db
def test_a_ready_user_resets_through_a_real_smtp_server_and_other_sessions_end(smtp_server, rosa, client):
    elsewhere = Client()  # the same person, logged in on another computer before
    assert log_in(elsewhere, rosa.email, PASSWORD).status_code == 302
    assert elsewhere.get(reverse("home")).status_code == 200

    # The national ID as people write it, with dots and a dash.
    response = ask(client, dotted(CEDULA))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_requested")
    assert smtp_server.messages == []  # the worker sends it
    run_worker()
    [message] = smtp_server.messages
    assert message["To"] == "rosa@tornillo.example"
    assert "Acme S.A." in message["From"]
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in message.walk()
        if not p.is_multipart()
    }
    assert "Elija una nueva contraseña" in parts["text/html"]  # Rosa's language
    link = re.search(r"https://enlace\.test(/p/[^\s\"<]+)", parts["text/plain"]).group(1)
    reset = PasswordReset.objects.get()
    assert reset.expires_at - reset.created_at == pytest.approx(timedelta(hours=1), abs=timedelta(seconds=5))

    opened = client.get(link)
    assert opened.status_code == 302 and opened["Location"] == reverse("accounts:password_reset")
    assert "Elija una nueva contraseña" in client.get(reverse("accounts:password_reset")).content.decode()
    done = choose(client)
    assert done.status_code == 302 and done["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == rosa.pk  # signed in with the new password
    assert client.get(reverse("home")).status_code == 200

    # The session opened before the reset has ended.
    assert elsewhere.get(reverse("home")).status_code == 302
    assert "_auth_user_id" not in elsewhere.session
    assert log_in(Client(), CEDULA, PASSWORD).status_code == 200  # the old password fails
    assert log_in(Client(), CEDULA, NEW_PASSWORD).status_code == 302
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_RESET, user=rosa, actor=rosa).count() == 1
    )


@pytest.mark.django_db
def test_a_link_works_once(rosa, client):
    ask(client, rosa.email)
    run_worker()
    link = link_in(reset_messages()[0], "/p/")
    client.get(link)
    assert choose(client).status_code == 302

    again = Client()
    page = again.get(link, follow=True)
    assert page.status_code == 410
    assert "Este enlace ya no es válido" in page.content.decode()
    assert choose(again, "Otra-Clave-Segura-99").status_code == 410
    rosa.refresh_from_db()
    assert rosa.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_opening_the_link_does_not_use_it_up(rosa, client):
    ask(client, rosa.email)
    run_worker()
    link = link_in(reset_messages()[0], "/p/")
    scanner = Client()
    for _ in range(3):
        assert scanner.get(link, follow=True).status_code == 200
        assert client.get(link, follow=True).status_code == 200
    assert PasswordReset.objects.get().used_at is None
    assert choose(client).status_code == 302


@pytest.mark.django_db
def test_a_link_expires_after_one_hour(rosa, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask(client, rosa.email)
        run_worker()
    link = link_in(reset_messages()[0], "/p/")
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert client.get(link, follow=True).status_code == 200
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert client.get(reverse("accounts:password_reset")).status_code == 410
        assert Client().get(link, follow=True).status_code == 410


@pytest.mark.django_db
def test_an_email_queued_for_a_link_that_expired_is_not_sent(rosa, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask(client, rosa.email)
        run_worker()  # issues the link and sends its email at once
        password_reset.issue_reset(user=rosa)  # a second one, its email still queued
    mail.outbox.clear()
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        run_worker()
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_new_request_replaces_the_unused_link(rosa, client):
    ask(client, rosa.email)
    run_worker()
    ask(client, CEDULA)
    run_worker()
    first, second = (link_in(m, "/p/") for m in reset_messages())
    assert first != second
    assert Client().get(first, follow=True).status_code == 410
    client.get(second)
    assert choose(client).status_code == 302


@pytest.mark.django_db
def test_the_links_cookie_holds_a_proof_kept_from_scripts_and_other_sites(rosa, client):
    ask(client, rosa.email)
    run_worker()
    link = link_in(reset_messages()[0], "/p/")
    cookie = client.get(link).cookies["enlace_password_reset"]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == reverse("accounts:password_reset")
    reset = PasswordReset.objects.get()
    assert cookie.value == f"{reset.pk}.{password_reset.proof_of(reset)}"


@pytest.mark.django_db
def test_a_weak_password_is_refused_and_the_link_still_works(rosa, client):
    ask(client, rosa.email)
    run_worker()
    client.get(link_in(reset_messages()[0], "/p/"))
    refused = choose(client, "12345678")
    assert refused.status_code == 200
    assert "Esta contraseña es demasiado común" in refused.content.decode()
    assert choose(client).status_code == 302


@pytest.mark.django_db
def test_an_active_user_with_a_temporary_password_becomes_ready(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    client.get(link_in(mail.outbox[0], "/a/"))
    client.post(reverse("accounts:activate"))
    user = User.objects.get(email="maria@tornillo.example")
    assert user.status == User.Status.ACTIVE and user.must_change_password
    ask(client, user.username)
    run_worker()
    client.get(link_in(reset_messages()[0], "/p/"))
    assert choose(client).status_code == 302
    user.refresh_from_db()
    assert user.status == User.Status.READY and not user.must_change_password
    assert user.temporary_password_expires_at is None
    assert client.get(reverse("home")).status_code == 200  # not sent to the set-password page
    assert AuditEvent.objects.filter(user=user, action=AuditEvent.Action.READY).exists()


@pytest.mark.django_db
def test_a_disabled_user_gets_nothing(rosa, client):
    rosa.is_active = False
    rosa.save()
    response = ask(client, rosa.email)
    assert response["Location"] == reverse("accounts:password_reset_requested")
    run_worker()
    assert mail.outbox == [] and not PasswordReset.objects.exists()


@pytest.mark.django_db
def test_a_pending_user_gets_the_activation_email_again(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    invitation = Invitation.objects.get()
    first_link = link_in(mail.outbox[0], "/a/")

    response = ask(client, dotted(ec_cedula(500)))
    assert response["Location"] == reverse("accounts:password_reset_requested")
    run_worker()
    assert not PasswordReset.objects.exists()
    [again] = mail.outbox[1:]
    assert again.to == ["maria@tornillo.example"]
    assert link_in(again, "/a/") != first_link
    invitation.refresh_from_db()
    assert invitation.generation == 2 and invitation.state == Invitation.State.SENT


@pytest.mark.django_db
def test_the_email_speaks_the_users_language(customer, client):
    make_user(customer, language="en")
    ask(client, CEDULA)
    run_worker()
    [message] = mail.outbox
    assert message.subject == "Choose a new password for the Acme S.A. purchase portal"
    assert "The link works once, until" in message.body


@pytest.mark.django_db
def test_a_staff_member_gets_the_link_in_the_organizations_language(alice, client):
    ask(client, "ALICE@acme.example")
    run_worker()
    [message] = mail.outbox
    assert message.to == ["alice@acme.example"]
    assert message.subject == "Elija una nueva contraseña para el portal de compras de Acme S.A."


def unmasked(page) -> str:
    """The page without its CSRF token, which Django masks afresh for every response."""
    return re.sub(r"[A-Za-z0-9]{64}", "<csrf>", page.content.decode())


@pytest.mark.django_db
def test_the_answer_is_the_same_for_every_identifier(alice_client, customer, rosa, client):
    add_user(alice_client, customer)  # pending activation
    disabled = make_user(customer, username=ec_cedula(322), email="off@tornillo.example", is_active=False)
    answers = []
    for identifier in [rosa.email, CEDULA, ec_cedula(500), disabled.email, "nobody@tornillo.example", "x"]:
        response = ask(client, identifier)
        page = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], response.content, unmasked(page)))
    assert len(set(answers)) == 1


@pytest.mark.django_db
def test_requests_are_limited_per_account_whatever_the_spelling(rosa, client):
    spellings = [
        rosa.email,
        CEDULA,
        dotted(CEDULA),
        rosa.email.upper(),
        f" {CEDULA} ",
        CEDULA[:3] + " " + CEDULA[3:],
    ]
    answers = set()
    for typed in spellings:
        response = ask(client, typed)
        answers.add((response.status_code, response["Location"]))
        run_worker()  # each answered before the next replaces its link
    assert answers == {(302, reverse("accounts:password_reset_requested"))}
    assert len(reset_messages()) == password_reset.REQUESTS_PER_ACCOUNT


@pytest.mark.django_db
def test_requests_are_limited_per_address_and_identifier_with_the_same_answer(rosa, client, settings):
    settings.RATE_LIMIT_ATTEMPTS = 3
    for number in range(5):
        assert ask(client, f"nobody{number}@tornillo.example")["Location"].endswith("/sent/")
    assert ask(client, rosa.email)["Location"] == reverse("accounts:password_reset_requested")
    run_worker()
    assert mail.outbox == []  # this address asked too often


ADDRESSES = (f"10.0.{number // 250}.{number % 250}" for number in itertools.count())


def timed_ask(client, identifier) -> float:
    """Milliseconds to answer, from an address of its own (the limit per address is not hit)."""
    start = time.perf_counter()
    response = ask(client, identifier, REMOTE_ADDR=next(ADDRESSES))
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 302
    return elapsed


@pytest.mark.django_db
def test_known_and_unknown_accounts_are_answered_as_fast(alice_client, customer, rosa, client, monkeypatch):
    """Every request does the same work (count, enqueue); the account is looked up by the
    worker. Medians over 30 requests each, interleaved; the limits are raised so that all count."""
    monkeypatch.setattr(password_reset, "REQUESTS_PER_IDENTIFIER", 1000)
    add_user(alice_client, customer)  # a pending user, whose answer (a resend) costs most
    for identifier in (rosa.email, "nobody@tornillo.example"):
        ask(client, identifier)  # warm up
    known, pending, unknown = [], [], []
    for _ in range(30):
        known.append(timed_ask(client, rosa.email))
        pending.append(timed_ask(client, ec_cedula(500)))
        unknown.append(timed_ask(client, "nobody@tornillo.example"))
    gaps = {
        "known": statistics.median(known) - statistics.median(unknown),
        "pending": statistics.median(pending) - statistics.median(unknown),
    }
    print(
        f"median ms: known {statistics.median(known):.2f}, pending {statistics.median(pending):.2f}, "
        f"unknown {statistics.median(unknown):.2f}"
    )
    assert all(abs(gap) < 50 for gap in gaps.values()), gaps


@pytest.mark.django_db
def test_the_token_is_in_no_log(rosa, client, caplog):
    caplog.set_level(logging.DEBUG)
    ask(client, rosa.email)
    run_worker()
    link = link_in(reset_messages()[0], "/p/")
    client.get(link, follow=True)
    choose(client)
    token = link.strip("/").rsplit("/", 1)[1]
    assert token not in caplog.text


@pytest.mark.django_db
def test_a_temporary_refusal_is_retried_later(smtp_server, rosa, client, settings):
    settings.MAIL_RETRY_SECONDS = 60
    smtp_server.handler.temporary_failures = 1  # 421 to the first message
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask(client, rosa.email)
        run_worker()
    assert smtp_server.messages == []
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        run_worker()
    [message] = smtp_server.messages
    assert message["To"] == "rosa@tornillo.example"
