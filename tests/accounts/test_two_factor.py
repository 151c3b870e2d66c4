"""Two-factor sign-in for staff: setting it up, the code step after the password (with nothing
reachable in between), recovery codes, wrong codes limited, a remembered browser, an organization
that requires it of administrators, and an administrator's reset of a lost phone."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from enlace.accounts import two_factor
from enlace.accounts.views.two_factor import REMEMBER_COOKIE, WRONG_CODES_PER_PERSON
from enlace.audit.models import AuditEvent
from enlace.organizations.models import Membership
from tests.conftest import PASSWORD, make_staff

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The pages answer in the default language, Spanish.
WRONG = "Ese código no es correcto"
TOO_MANY = "Demasiados códigos incorrectos"


@pytest.fixture
def clock():
    # Each code is accepted once: the tests move the clock to the next 30-second step.
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code_of(device: TOTPDevice) -> str:
    return f"{(int(code_of(device)) + 500_000) % 1_000_000:06d}"


def enrol(user, clock) -> list[str]:
    device = two_factor.start_enrolment(user)
    _, codes = two_factor.confirm_enrolment(user, code_of(device))
    clock.shift(30)
    return codes


def password_step(client, email="alice@acme.example", password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def code_step(client, code, remember=False):
    data = {"code": code, **({"remember": "on"} if remember else {})}
    return client.post(reverse("accounts:two_factor_verify"), data)


def signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def events(action):
    return list(AuditEvent.objects.filter(action=action).values_list("organization__slug", "user__email"))


@pytest.mark.django_db
def test_setting_it_up_takes_a_right_code_then_shows_ten_recovery_codes_once(alice_client, alice, clock):
    page = alice_client.get(reverse("accounts:two_factor_setup")).content.decode()
    device = TOTPDevice.objects.get(user=alice)
    assert "<svg" in page and two_factor.secret_of(device) in page
    assert two_factor.provisioning_uri(device).startswith(
        "otpauth://totp/Enlace%3Aalice%40acme.example?secret="
    )
    assert "issuer=Enlace" in two_factor.provisioning_uri(device)

    response = alice_client.post(reverse("accounts:two_factor_setup"), {"code": wrong_code_of(device)})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not two_factor.is_enabled(alice)

    response = alice_client.post(reverse("accounts:two_factor_setup"), {"code": code_of(device)})
    page = response.content.decode()
    codes = [token.token for token in StaticToken.objects.filter(device__user=alice)]
    assert len(codes) == 10 and all(f"{code[:4]}-{code[4:]}" in page for code in codes)
    assert two_factor.is_enabled(alice)
    assert events(AuditEvent.Action.TWO_FACTOR_ENABLED) == [("acme", "alice@acme.example")]
    # Shown once: the page of the setting shows how many are left, not which.
    page = alice_client.get(reverse("accounts:two_factor")).content.decode()
    assert not any(f"{code[:4]}-{code[4:]}" in page or code in page for code in codes)


@pytest.mark.django_db
def test_signing_in_needs_the_code_and_nothing_is_reachable_before_it(client, alice, customer, clock):
    enrol(alice, clock)
    response = password_step(client)
    assert response.status_code == 302 and response.url == reverse("accounts:two_factor_verify")
    assert "_auth_user_id" not in client.session
    for path in ["/", "/suppliers/", "/customers/", "/users/", "/settings/", "/two-factor/", "/requests/"]:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), path

    device = two_factor.device_of(alice)
    response = code_step(client, code_of(device))
    assert response.status_code == 302 and response.url == reverse("home")
    assert signed_in(client)
    assert client.get(reverse("partners:supplier_list")).status_code == 200
    # The same code is not accepted twice, even within its 30 seconds.
    other = Client()
    password_step(other)
    assert WRONG in code_step(other, code_of(device)).content.decode()


@pytest.mark.django_db
def test_a_staff_member_without_an_authenticator_signs_in_with_the_password(client, alice):
    response = password_step(client)
    assert response.status_code == 302 and response.url == reverse("home")
    assert signed_in(client)


@pytest.mark.django_db
def test_a_recovery_code_works_once(client, alice, clock):
    codes = enrol(alice, clock)
    password_step(client)
    assert code_step(client, codes[0].upper().replace("-", " ")).status_code == 302
    assert signed_in(client)
    assert events(AuditEvent.Action.RECOVERY_CODE_USED) == [("acme", "alice@acme.example")]
    assert two_factor.recovery_codes_left(alice) == 9

    client.post(reverse("accounts:logout"))
    password_step(client)
    response = code_step(client, codes[0])
    assert response.status_code == 200 and WRONG in response.content.decode()
    assert not signed_in(client)


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old_ones(client, alice, clock):
    old = enrol(alice, clock)
    password_step(client)
    code_step(client, old[0])
    page = client.post(reverse("accounts:two_factor_recovery_codes")).content.decode()
    new = [token.token for token in StaticToken.objects.filter(device__user=alice)]
    assert len(new) == 10 and all(f"{code[:4]}-{code[4:]}" in page for code in new)
    client.post(reverse("accounts:logout"))
    password_step(client)
    assert WRONG in code_step(client, old[1]).content.decode()
    assert code_step(client, new[0]).status_code == 302


@pytest.mark.django_db
def test_wrong_codes_are_limited_per_person(client, alice, clock):
    enrol(alice, clock)
    device = two_factor.device_of(alice)
    password_step(client)
    for _ in range(WRONG_CODES_PER_PERSON):
        assert WRONG in code_step(client, wrong_code_of(device)).content.decode()
    # From another address too, and even the right code: the person's limit is reached.
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    password_step(elsewhere)
    response = code_step(elsewhere, code_of(device))
    assert response.status_code == 200 and TOO_MANY in response.content.decode()
    assert not signed_in(elsewhere)


@pytest.mark.django_db
def test_wrong_codes_are_limited_per_address(client, alice, bob, settings, clock):
    settings.RATE_LIMIT_ATTEMPTS = 3
    enrol(alice, clock)
    enrol(bob, clock)
    password_step(client)
    for _ in range(3):
        code_step(client, "000000")
    password_step(client, "bob@acme.example")
    response = code_step(client, code_of(two_factor.device_of(bob)))
    assert TOO_MANY in response.content.decode()


@pytest.mark.django_db
def test_the_code_step_ends_after_five_minutes(client, alice, clock):
    enrol(alice, clock)
    password_step(client)
    clock.shift(301)
    response = code_step(client, code_of(two_factor.device_of(alice)))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert not signed_in(client)


@pytest.mark.django_db
def test_a_remembered_browser_skips_the_code_until_a_reset_or_a_new_password(client, alice, clock):
    enrol(alice, clock)
    password_step(client)
    response = code_step(client, code_of(two_factor.device_of(alice)), remember=True)
    cookie = response.cookies[REMEMBER_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"] == 30 * 24 * 3600
    # Signed; it carries neither the device's key nor the password hash.
    assert two_factor.device_of(alice).key not in cookie.value and alice.password not in cookie.value

    client.post(reverse("accounts:logout"))
    response = password_step(client)
    assert response.status_code == 302 and response.url == reverse("home")
    assert signed_in(client)

    # Not for another person on the same browser.
    dora = make_staff("dora@acme.example", alice.memberships.get().organization)
    enrol(dora, clock)
    client.post(reverse("accounts:logout"))
    assert password_step(client, "dora@acme.example").url == reverse("accounts:two_factor_verify")

    # Thirty days later it is over.
    clock.shift(31 * 24 * 3600)
    client.post(reverse("accounts:logout"))
    assert password_step(client).url == reverse("accounts:two_factor_verify")


@pytest.mark.django_db
def test_a_remembered_browser_stops_working_after_a_reset(client, alice, acme, clock):
    enrol(alice, clock)
    password_step(client)
    code_step(client, code_of(two_factor.device_of(alice)), remember=True)
    client.post(reverse("accounts:logout"))

    dora = make_staff("dora@acme.example", acme)
    two_factor.reset(user=alice, organization=acme, by=dora)
    enrol(alice, clock)
    assert password_step(client).url == reverse("accounts:two_factor_verify")


@pytest.mark.django_db
def test_a_remembered_browser_stops_working_after_a_new_password(client, alice, clock):
    enrol(alice, clock)
    password_step(client)
    code_step(client, code_of(two_factor.device_of(alice)), remember=True)
    client.post(reverse("accounts:logout"))

    alice.set_password("a brand new passphrase 42")
    alice.save()
    assert password_step(client, password="a brand new passphrase 42").url == reverse(
        "accounts:two_factor_verify"
    )


@pytest.mark.django_db
def test_an_organization_can_require_it_of_administrators(client, alice, bob, acme, clock):
    acme.require_two_factor_for_admins = True
    acme.save()
    assert password_step(client).status_code == 302
    for path in ["/", "/suppliers/", "/users/", "/settings/"]:
        response = client.get(path)
        assert response.status_code == 302 and response.url == reverse("accounts:two_factor_setup"), path
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 200

    device = TOTPDevice.objects.get(user=alice)
    assert client.post(reverse("accounts:two_factor_setup"), {"code": code_of(device)}).status_code == 200
    assert signed_in(client)
    # It cannot be turned off while required.
    clock.shift(30)
    client.post(reverse("accounts:two_factor_disable"), {"code": code_of(device)})
    assert two_factor.is_enabled(alice)

    # Members are not asked.
    member = Client()
    password_step(member, "bob@acme.example")
    assert signed_in(member)


@pytest.mark.django_db
def test_the_requirement_is_a_setting_of_the_organization(alice_client, acme):
    response = alice_client.post(
        reverse("settings"),
        {
            "name": "Acme",
            "language": "es",
            "time_zone": "America/Guayaquil",
            "activation_style": "temporary_password",
            "link_lifetime_hours": 48,
            "code_lifetime_days": 30,
            "reminder_hours_before_expiry": 24,
            "require_two_factor_for_admins": "on",
        },
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.require_two_factor_for_admins
    # The administrator who set it, without an authenticator, is sent to set one up.
    assert alice_client.get(reverse("home")).url == reverse("accounts:two_factor_setup")


@pytest.mark.django_db
def test_turning_it_off_takes_a_current_code(client, alice, clock):
    enrol(alice, clock)
    password_step(client)
    code_step(client, code_of(two_factor.device_of(alice)))
    clock.shift(30)
    client.post(reverse("accounts:two_factor_disable"), {"code": wrong_code_of(two_factor.device_of(alice))})
    assert two_factor.is_enabled(alice)
    client.post(reverse("accounts:two_factor_disable"), {"code": code_of(two_factor.device_of(alice))})
    assert not two_factor.is_enabled(alice)
    assert not StaticToken.objects.filter(device__user=alice).exists()
    assert events(AuditEvent.Action.TWO_FACTOR_DISABLED) == [("acme", "alice@acme.example")]


@pytest.mark.django_db
def test_an_administrator_resets_a_staff_members_two_factor(client, alice, bob, acme, charlie, clock):
    enrol(bob, clock)
    page = Client()
    page.force_login(alice)
    detail = page.get(reverse("accounts:user_detail", args=[bob.pk])).content.decode()
    assert reverse("accounts:user_two_factor_reset", args=[bob.pk]) in detail

    # Another organization's administrator finds nobody; a member may not.
    outsider = Client()
    outsider.force_login(charlie)
    assert outsider.post(reverse("accounts:user_two_factor_reset", args=[bob.pk])).status_code == 404
    member = Client()
    member.force_login(bob)
    assert member.post(reverse("accounts:user_two_factor_reset", args=[bob.pk])).status_code == 403
    assert two_factor.is_enabled(bob)

    response = page.post(reverse("accounts:user_two_factor_reset", args=[bob.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=bob).exists()
    assert not StaticToken.objects.filter(device__user=bob).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.TWO_FACTOR_RESET)
    assert (event.organization, event.user, event.actor) == (acme, bob, alice)
    # Bob signs in with his password alone, until he sets it up again.
    assert password_step(client, "bob@acme.example").url == reverse("home")


@pytest.mark.django_db
def test_only_staff_members_are_reset(alice_client, acme, globex, charlie, clock):
    # A staff member of another organization only, and a customer's person, are not found.
    enrol(charlie, clock)
    assert alice_client.post(reverse("accounts:user_two_factor_reset", args=[charlie.pk])).status_code == 404
    assert two_factor.is_enabled(charlie)
    # Staff of both organizations: either's administrator may reset.
    Membership.objects.create(organization=acme, user=charlie, role=Membership.Role.MEMBER)
    assert alice_client.post(reverse("accounts:user_two_factor_reset", args=[charlie.pk])).status_code == 302
    assert not two_factor.is_enabled(charlie)


@pytest.mark.django_db
def test_partners_people_have_no_two_factor_pages(client, acme):
    from enlace.accounts.models import User

    person = User.objects.create_user(
        username="0912345678",
        email="ana@cliente.example",
        password=PASSWORD,
        organization=acme,
        profile=User.Profile.CUSTOMER,
    )
    client.force_login(person)
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 404


@pytest.mark.django_db
def test_switching_from_a_partners_user_to_the_staff_user_needs_the_code(client, alice, acme, globex, clock):
    from django.utils import timezone

    from enlace.accounts.models import User

    enrol(alice, clock)
    # Alice is also a customer's buyer at Globex, with the same account (one password).
    buyer = User.objects.create(
        username="alice.buyer",
        email=alice.email,
        organization=globex,
        profile=User.Profile.CUSTOMER,
        account=alice.account,
        password=alice.password,
        last_login=timezone.now(),
    )
    client.force_login(buyer)
    response = client.post(reverse("org_switch"), {"organization": acme.pk})
    assert response.url == reverse("accounts:two_factor_verify")
    assert int(client.session["_auth_user_id"]) == buyer.pk

    assert code_step(client, code_of(two_factor.device_of(alice))).status_code == 302
    assert int(client.session["_auth_user_id"]) == alice.pk
    assert client.session["organization_id"] == acme.pk


@pytest.mark.django_db
def test_a_required_administrator_whose_session_skipped_the_code_is_signed_out(
    alice_client, acme, alice, clock
):
    enrol(alice, clock)
    acme.require_two_factor_for_admins = True
    acme.save()
    response = alice_client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in alice_client.session
