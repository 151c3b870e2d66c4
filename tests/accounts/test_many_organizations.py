"""One person, many organizations: one account (email and password) joins each organization's
user of the person once they accept that organization's invitation with it; what one
organization asks never tells it about another's people."""

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from enlace.accounts.joining import join_account, open_account, places_of
from enlace.accounts.models import Account, User
from enlace.accounts.services import create_customer_user, set_own_password
from enlace.accounts.supplier_invitations import invite_partner
from enlace.invitations.models import Invitation
from enlace.partners.models import Partner
from enlace.partners.services import create_partner
from tests.accounts.test_registration import form_data, import_person, open_link
from tests.api.conftest import error_of, globex_key  # noqa: F401 - globex_api's fixture
from tests.api.conftest import globex_api as globex_api  # noqa: F401 - a fixture
from tests.conftest import PASSWORD, ec_cedula, link_in, run_worker

EMAIL = "compras@tornillo.example"


def co_cedula(n: int) -> str:
    """A Colombian cédula de ciudadanía (digits, no check digit)."""
    return str(79845100 + n)


def ready_customer_user(organization, partner, *, email=EMAIL, username=None, password=PASSWORD):
    """A person who has been using the organization's portal: accepted, with an account."""
    user = User.objects.create_user(
        username=username or ec_cedula(40),
        email=email,
        password=password,
        profile=User.Profile.CUSTOMER,
        status=User.Status.READY,
        organization=organization,
        partner=partner,
    )
    open_account(user)
    user.save()
    return user


@pytest.fixture
def globex_customer(globex):
    return create_partner(
        organization=globex, kind=Partner.Kind.CUSTOMER, tax_id="9001234567", code="G-1", name="Tornillo SAS"
    )


@pytest.mark.django_db
def test_a_new_password_is_the_accounts_everywhere_and_ends_the_other_sessions(
    acme, customer, globex, globex_customer
):
    at_acme = ready_customer_user(acme, customer)
    at_globex = User.objects.create(
        username=co_cedula(5), email=EMAIL, organization=globex, partner=globex_customer, status="ready"
    )
    join_account(at_globex, account=at_acme.account, password=PASSWORD)
    at_globex.save()
    elsewhere = Client()
    assert (
        elsewhere.post(
            reverse("accounts:login"), {"username": co_cedula(5), "password": PASSWORD}
        ).status_code
        == 302
    )
    assert elsewhere.get("/").status_code == 200

    set_own_password(user=at_acme, password="Quito-Guayaquil-77")

    at_globex.refresh_from_db()
    assert at_globex.check_password("Quito-Guayaquil-77") and not at_globex.check_password(PASSWORD)
    assert elsewhere.get("/")["Location"].startswith(reverse("accounts:login"))  # signed out


@pytest.mark.django_db
def test_one_username_in_two_organizations_names_two_people_each_with_their_password(
    acme, customer, globex, globex_customer
):
    ana = ready_customer_user(acme, customer, email="ana@tornillo.example", username="1710034065")
    luis = ready_customer_user(
        globex,
        globex_customer,
        email="luis@tornillo.example",
        username="1710034065",
        password="Otra-clave-2026!",
    )
    assert authenticate(username="171.003.406-5", password=PASSWORD) == ana
    assert authenticate(username="1710034065", password="Otra-clave-2026!") == luis
    assert authenticate(username="1710034065", password="wrong") is None


@pytest.mark.django_db
def test_an_address_of_another_organization_is_answered_as_any_new_one(
    acme, customer, globex, globex_customer, charlie, globex_api
):
    ready_customer_user(acme, customer)
    payload = {
        "username": co_cedula(7),
        "customer_code": "G-1",
        "email": EMAIL,
        "first_name": "Ana",
        "last_name": "Pérez",
    }
    fresh = {**payload, "username": co_cedula(8), "email": "nadie@tornillo.example"}
    known, unknown = globex_api.post("/users", payload), globex_api.post("/users", fresh)
    assert (known.status_code, unknown.status_code) == (201, 201)
    assert set(known.json()) == set(unknown.json()) and known.json()["status"] == unknown.json()["status"]
    # "Taken" is about this organization's own people only.
    again = error_of(globex_api.post("/users", {**payload, "username": co_cedula(9)}), 422)
    assert (again["code"], again["field"]) == ("taken", "email")
    # A supplier's address known elsewhere is invited as any other.
    supplier = create_partner(
        organization=globex, kind=Partner.Kind.SUPPLIER, tax_id="9001234567", name="Tornillo"
    )
    ready_customer_user(acme, customer, email="ventas@tornillo.example", username=ec_cedula(41))
    outcome = invite_partner(
        organization=globex, partner=supplier, emails=["Ventas@Tornillo.example"], by=charlie
    )
    assert outcome.invited == 1


@pytest.mark.django_db
def test_an_imported_person_who_has_an_account_registers_with_its_password(
    acme, customer, globex, globex_customer
):
    account_holder = ready_customer_user(acme, customer)
    user, invitation = import_person(globex, globex_customer, email=EMAIL)
    run_worker()
    client = Client()
    page = open_link(client, mail.outbox[-1])
    page = client.get(reverse("accounts:register")).content.decode()
    assert "password2" not in page and 'autocomplete="current-password"' in page

    refused = client.post(reverse("accounts:register"), form_data(password1="Otra-clave-2026!", phone=""))
    assert refused.status_code == 200 and "Enlace" in refused.content.decode()
    user.refresh_from_db()
    assert user.account is None and user.status == User.Status.PENDING_ACTIVATION

    assert (
        client.post(reverse("accounts:register"), form_data(password1=PASSWORD, phone="")).status_code == 302
    )
    user.refresh_from_db()
    assert user.account == account_holder.account and user.check_password(PASSWORD)
    # Then the usual activation: the email says the password is theirs, the page asks none.
    run_worker()
    activation = mail.outbox[-1]
    assert "Contraseña temporal" not in activation.body
    client.get(link_in(activation, "/a/"))
    client.post(reverse("accounts:activate"))
    assert (
        client.post(reverse("accounts:login"), {"username": EMAIL, "password": PASSWORD}).status_code == 302
    )
    assert {p.organization_id for p in places_of(user)} == {acme.pk, globex.pk}


@pytest.mark.django_db
def test_a_temporary_password_is_not_given_to_someone_who_has_a_password(
    acme, customer, globex, globex_customer, charlie
):
    ready_customer_user(acme, customer)
    user = create_customer_user(
        organization=globex, by=charlie, username=co_cedula(7), partner=globex_customer, email=EMAIL
    )
    assert not user.has_usable_password() and not user.must_change_password
    run_worker()
    [email] = mail.outbox
    assert "Temporary password" not in email.body and "Enlace account you already have" in email.body
    # The activation link asks for the account's password; a wrong one changes nothing.
    client = Client()
    client.get(link_in(email, "/a/"))
    page = client.post(reverse("accounts:activate"), {"password1": "wrong-password-1"})
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.content.decode()
    user.refresh_from_db()
    assert user.status == User.Status.PENDING_ACTIVATION and user.account is None
    assert client.post(reverse("accounts:activate"), {"password1": PASSWORD}).status_code == 302
    user.refresh_from_db()
    assert user.status == User.Status.READY and user.account.email == EMAIL
    assert Invitation.objects.get(user=user).state == Invitation.State.ACTIVATED


@pytest.mark.django_db
def test_the_switcher_reaches_only_the_accounts_accepted_organizations(
    acme, customer, globex, globex_customer, charlie
):
    person = ready_customer_user(acme, customer)
    # Invited by Globex, not accepted yet: not a place, and switching there is refused.
    create_customer_user(
        organization=globex, by=charlie, username=co_cedula(7), partner=globex_customer, email=EMAIL
    )
    client = Client()
    client.force_login(person)
    assert [p.organization_id for p in places_of(person)] == [acme.pk]
    assert client.post(reverse("org_switch"), {"organization": globex.pk}).status_code == 404
    assert client.post(reverse("org_switch"), {"organization": "x"}).status_code == 404
    # Another person's organization is not reachable either.
    assert charlie.account != person.account
    assert client.post(reverse("org_switch"), {"organization": globex.pk}).status_code == 404


@pytest.mark.django_db
def test_an_account_per_address_whatever_its_case():
    Account.objects.create(email="Ana@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(email="ana@example.COM")


@pytest.mark.django_db
def test_a_forgotten_password_is_answered_once_per_person(acme, customer, globex, globex_customer):
    from enlace.accounts.models import PasswordReset
    from enlace.accounts.password_reset import answer_request

    at_acme = ready_customer_user(acme, customer, username="1710034065")
    at_globex = User.objects.create(
        username=co_cedula(5), email=EMAIL, organization=globex, partner=globex_customer, status="ready"
    )
    join_account(at_globex, account=at_acme.account, password=PASSWORD)
    at_globex.save()
    # Globex gives the same national ID to somebody else.
    ready_customer_user(globex, globex_customer, email="luis@tornillo.example", username="1710034065")

    answer_request(identifier=EMAIL)
    assert list(PasswordReset.objects.values_list("user__email", flat=True)) == [EMAIL]
    PasswordReset.objects.all().delete()
    answer_request(identifier="171.003.406-5")
    assert sorted(PasswordReset.objects.values_list("user__email", flat=True)) == [
        EMAIL,
        "luis@tornillo.example",
    ]
