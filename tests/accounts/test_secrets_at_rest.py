"""No emailed secret rests on the server, and opening a link writes nothing.

After each step of the four flows that start from an email (registration by link, activation by
link with a temporary password, registration with a supplier's code, a forgotten password's
reset link), every row of every table
(the sessions decoded) and every cookie the browser holds are searched for the emailed secrets,
in every spelling they could be replayed from. Links opened by mail scanners add no rows.
"""

import base64
import hashlib
import json
import re

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from enlace.accounts.models import PasswordReset, User
from enlace.accounts.services import resend
from enlace.accounts.supplier_invitations import invite_partner
from enlace.invitations.models import Invitation
from tests.accounts.test_customer_user_activation import NEW_PASSWORD, add_user
from tests.accounts.test_registration import PASSWORD, form_data, import_person
from tests.conftest import PASSWORD as STAFF_PASSWORD
from tests.conftest import ec_cedula, field_in, link_in, run_worker
from tests.partners.suppliers import add_supplier

SCANNER_VISITS = 50  # per link


def spellings(secret: str) -> set[str]:
    """The secret as emailed, in any case, without its dashes, and a token's bytes as hex and
    standard base64: each of these would let someone replay it."""
    compact = secret.replace("-", "")
    found = {secret, secret.lower(), secret.upper(), compact, compact.lower()}
    try:
        raw = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    except ValueError:
        raw = b""
    if len(raw) >= 16:
        found |= {raw.hex(), base64.b64encode(raw).decode().rstrip("=")}
    return found


def as_text(value) -> str:
    if isinstance(value, bytes | memoryview):
        value = bytes(value)
        return value.hex() + " " + value.decode("latin-1")
    return str(value)


def stored_models():
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def dump_database() -> str:
    """Every row of every table as text: each model's (through django.apps), then the tables no
    model covers, then every session decoded."""
    texts, covered = [], set()
    for model in stored_models():
        covered.add(model._meta.db_table)
        texts += [" ".join(map(as_text, row)) for row in model._base_manager.values_list()]
    with connection.cursor() as cursor:
        for table in set(connection.introspection.table_names()) - covered:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            texts += [" ".join(map(as_text, row)) for row in cursor.fetchall()]
    texts += [json.dumps(s.get_decoded(), default=str) for s in Session.objects.all()]
    return "\n".join(texts)


def assert_nothing_replayable(secrets, browser):
    stored = dump_database()
    cookies = " ".join(morsel.value for morsel in browser.cookies.values())
    for secret in secrets:
        for spelling in spellings(secret):
            assert spelling not in stored, f"{spelling!r} is stored in the database"
            assert spelling not in cookies, f"{spelling!r} is in a cookie"


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


@pytest.mark.django_db
def test_registration_and_activation_by_link_keep_no_secret(acme, customer, client):
    import_person(acme, customer)
    run_worker()
    link = link_in(mail.outbox[0], "/r/")
    secrets = [token_of(link)]

    assert client.get(link).status_code == 302
    assert_nothing_replayable(secrets, client)
    assert client.get(reverse("accounts:register")).status_code == 200
    assert_nothing_replayable(secrets, client)
    assert client.post(reverse("accounts:register"), form_data()).status_code == 302
    assert_nothing_replayable(secrets, client)
    assert "Su cuenta fue creada" in client.get(reverse("accounts:register")).content.decode()

    run_worker()
    link = link_in(mail.outbox[1], "/a/")
    secrets.append(token_of(link))
    client.get(link)
    assert_nothing_replayable(secrets, client)
    assert "Activar mi cuenta" in client.get(reverse("accounts:activate")).content.decode()
    assert_nothing_replayable(secrets, client)
    assert "Su cuenta está activa" in client.post(reverse("accounts:activate")).content.decode()
    assert_nothing_replayable(secrets, client)
    login = {"username": "maria@tornillo.example", "password": PASSWORD}
    assert client.post(reverse("accounts:login"), login).status_code == 302
    assert_nothing_replayable(secrets, client)


@pytest.mark.django_db
def test_activation_with_a_temporary_password_keeps_no_secret(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    [message] = mail.outbox
    link = link_in(message, "/a/")
    username, temporary = field_in(message, "Usuario"), field_in(message, "Contraseña temporal")
    secrets = [token_of(link), temporary]

    client.get(link)
    assert_nothing_replayable(secrets, client)
    assert client.get(reverse("accounts:activate")).status_code == 200
    assert_nothing_replayable(secrets, client)
    assert "Su cuenta está activa" in client.post(reverse("accounts:activate")).content.decode()
    assert_nothing_replayable(secrets, client)
    login = {"username": username, "password": temporary}
    assert client.post(reverse("accounts:login"), login).status_code == 302
    assert_nothing_replayable(secrets, client)
    new = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(reverse("accounts:set_password"), new).status_code == 302
    assert_nothing_replayable(secrets, client)


@pytest.mark.django_db
def test_registration_with_a_supplier_code_keeps_no_secret(acme, alice, client):
    partner = add_supplier(acme, 1, name="Aceros del Sur")
    invite_partner(organization=acme, partner=partner, emails=["compras@aceros.example"], by=alice)
    run_worker()
    [message] = mail.outbox
    code = re.search(r"Su código de activación: (\S+)", message.body).group(1)
    secrets = [code]

    typed = code.lower().replace("-", " ")
    assert client.post(reverse("accounts:supplier_register_code"), {"code": typed}).status_code == 302
    assert_nothing_replayable(secrets, client)
    confirm = client.get(reverse("accounts:supplier_register")).content.decode()
    assert "Aceros del Sur" in confirm
    assert_nothing_replayable(secrets, client)
    account = {
        "email": "compras@aceros.example",
        "first_name": "Rosa",
        "last_name": "Paredes",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    response = client.post(reverse("accounts:supplier_register_account"), account)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert_nothing_replayable(secrets, client)


def ask_for_reset(client, identifier):
    return client.post(reverse("accounts:forgot_password"), {"identifier": identifier})


@pytest.mark.django_db
def test_a_password_reset_keeps_no_secret(alice, client):
    elsewhere = Client()
    elsewhere.force_login(alice)
    assert ask_for_reset(client, alice.email).status_code == 302
    run_worker()
    [message] = mail.outbox
    link = link_in(message, "/p/")
    secrets = [token_of(link)]
    assert_nothing_replayable(secrets, client)

    assert client.get(link).status_code == 302
    assert_nothing_replayable(secrets, client)
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    assert_nothing_replayable(secrets, client)
    new = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(reverse("accounts:password_reset"), new).status_code == 302
    assert_nothing_replayable(secrets, client)
    login = {"username": alice.email, "password": NEW_PASSWORD}
    assert Client().post(reverse("accounts:login"), login).status_code == 302
    assert_nothing_replayable(secrets, client)
    assert not User.objects.get(pk=alice.pk).check_password(STAFF_PASSWORD)


@pytest.mark.django_db
def test_what_the_database_holds_opens_no_reset(alice, client):
    ask_for_reset(client, alice.email)
    run_worker()
    reset = PasswordReset.objects.get()
    guesses = [reset.token_hash, reset.token_salt, hashlib.sha256(reset.token_hash.encode()).hexdigest()]
    for guess in guesses:
        browser = Client()
        browser.cookies["enlace_password_reset"] = f"{reset.pk}.{guess}"
        assert browser.get(reverse("accounts:password_reset")).status_code == 410
        assert (
            browser.get(reverse("accounts:password_reset_link", args=[guess]), follow=True).status_code == 410
        )


@pytest.mark.django_db
def test_what_the_database_holds_opens_no_flow(alice_client, customer):
    """Someone with a copy of the database knows each invitation's id, salt and secret hash:
    none of them, nor a plain hash of them, makes a cookie that the flow accepts."""
    add_user(alice_client, customer)
    run_worker()
    invitation = Invitation.objects.get()
    guesses = [
        invitation.secret_hash,
        invitation.secret_salt,
        hashlib.sha256(invitation.secret_hash.encode()).hexdigest(),
    ]
    for guess in guesses:
        browser = Client()
        browser.cookies["enlace_activation"] = f"{invitation.pk}.{guess}"
        assert browser.get(reverse("accounts:activate")).status_code == 410


@pytest.mark.django_db
def test_a_proof_is_good_for_its_own_invitation_only_and_dies_with_the_secret(alice_client, customer, client):
    add_user(alice_client, customer)
    add_user(alice_client, customer, email="luis@tornillo.example", username=ec_cedula(501))
    run_worker()
    maria = next(m for m in mail.outbox if m.to == ["maria@tornillo.example"])
    client.get(link_in(maria, "/a/"))
    proof = client.cookies["enlace_activation"].value.split(".", 1)[1]
    other = Invitation.objects.get(email="luis@tornillo.example")
    swapped = Client()
    swapped.cookies["enlace_activation"] = f"{other.pk}.{proof}"
    assert swapped.get(reverse("accounts:activate")).status_code == 410

    assert client.get(reverse("accounts:activate")).status_code == 200
    resend(invitation=Invitation.objects.get(email="maria@tornillo.example"))
    assert client.get(reverse("accounts:activate")).status_code == 410  # a new secret, a dead proof


@pytest.mark.django_db
def test_the_flows_cookie_is_kept_from_scripts_and_other_sites(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    response = client.get(link_in(mail.outbox[0], "/a/"))
    cookie = response.cookies["enlace_activation"]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == reverse("accounts:activate")


def row_counts() -> dict:
    return {model._meta.label: model._base_manager.count() for model in stored_models()}


@pytest.mark.django_db
def test_links_opened_by_scanners_write_nothing(acme, customer, alice_client, alice):
    import_person(acme, customer)
    add_user(alice_client, customer, email="luis@tornillo.example")
    ask_for_reset(Client(), alice.email)
    run_worker()
    registration, activation, reset = (
        next(m for m in mail.outbox if path in m.body) for path in ("/r/", "/a/", "/p/")
    )
    links = [
        link_in(registration, "/r/"),
        link_in(activation, "/a/"),
        link_in(reset, "/p/"),
        reverse("accounts:registration_link", args=["not-a-real-token"]),
        reverse("accounts:activation_link", args=["not-a-real-token"]),
        reverse("accounts:password_reset_link", args=["not-a-real-token"]),
        reverse("accounts:supplier_register"),
    ]

    def visit_all():
        for _ in range(SCANNER_VISITS):
            for link in links:
                scanner = Client()  # a scanner keeps no cookies from one message to the next
                assert scanner.get(link, follow=True).status_code in (200, 410, 429)

    before = row_counts()
    visit_all()
    after = row_counts()
    visit_all()
    again = row_counts()
    # The dead links' guesses are counted against the client's address: at most one counter per
    # scope (registration, activation, password reset) and address, however many visits; nothing
    # else is written.
    counters = before.pop("lib.RateCounter"), after.pop("lib.RateCounter"), again.pop("lib.RateCounter")
    assert after == before and again == before
    assert counters[1] - counters[0] <= 3 and counters[2] == counters[1]
    assert PasswordReset.objects.get().used_at is None
    assert before["sessions.Session"] == 1  # alice's only
