"""The `enlace` console command: org create, demo, check --deploy, worker --help."""

import os
import secrets
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enlace.accounts.models import User
from enlace.organizations.models import Membership, Organization
from enlace.partners.models import Partner


@pytest.mark.django_db
def test_org_create_prints_a_one_time_password_that_must_be_changed(client):
    out = StringIO()
    call_command(
        "org",
        "create",
        "andina",
        "--name",
        "Andina S.A.",
        "--country",
        "ec",
        "--language",
        "en",
        "--admin-email",
        "Boss@Andina.example",
        stdout=out,
    )
    organization = Organization.objects.get(slug="andina")
    assert (organization.country, organization.language) == ("EC", "en")
    password = out.getvalue().split("must be changed at first login): ")[1].strip()
    admin = User.objects.get(email="boss@andina.example")
    assert Membership.objects.get(user=admin).role == "admin"
    response = client.post("/login/", {"username": "boss@andina.example", "password": password})
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/password/"


@pytest.mark.django_db
def test_org_create_refuses_a_taken_slug_and_bad_arguments(acme):
    with pytest.raises(CommandError, match="already exists"):
        call_command("org", "create", "acme", "--name", "X", "--country", "EC", stdout=StringIO())
    with pytest.raises(CommandError, match="two-letter"):
        call_command("org", "create", "x", "--name", "X", "--country", "Ecuador", stdout=StringIO())
    with pytest.raises(CommandError, match="admin-email"):
        call_command(
            "org", "create", "y", "--name", "Y", "--country", "EC", "--admin-email", "nope", stdout=StringIO()
        )
    with pytest.raises(CommandError, match="Mars/Olympus"):
        call_command(
            "org", "create", "z", "--name", "Z", "--country", "EC", "--time-zone", "Mars/Olympus",
            stdout=StringIO(),
        )  # fmt: skip
    assert not Organization.objects.filter(slug__in=["x", "y", "z"]).exists()


@pytest.mark.django_db
def test_org_create_takes_a_time_zone_or_the_country_s_usual_one():
    call_command("org", "create", "lima", "--name", "Lima", "--country", "PE", stdout=StringIO())
    call_command(
        "org", "create", "gdl", "--name", "GDL", "--country", "MX", "--time-zone", "America/Mexico_City",
        stdout=StringIO(),
    )  # fmt: skip
    call_command("org", "create", "far", "--name", "Far", "--country", "NZ", stdout=StringIO())
    zones = dict(Organization.objects.values_list("slug", "time_zone"))
    assert zones == {"lima": "America/Lima", "gdl": "America/Mexico_City", "far": "UTC"}


@pytest.mark.django_db
def test_demo_is_safe_to_run_twice(client):
    call_command("demo", stdout=StringIO())
    call_command("demo", stdout=StringIO())
    assert Organization.objects.filter(slug="demo").count() == 1
    assert Partner.objects.filter(organization__slug="demo").count() == 6
    assert (
        client.post("/login/", {"username": "admin@demo.example", "password": "enlace-demo"}).status_code
        == 302
    )


def enlace(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "enlace", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "enlace.settings", **(env or {})},
        timeout=60,
    )


@pytest.mark.parametrize("command", [["org", "create"], ["worker"], ["demo"]])
def test_every_subcommand_has_help(command):
    result = enlace(*command, "--help", env={"ENLACE_DEBUG": "1"})
    assert result.returncode == 0 and "usage:" in result.stdout


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = enlace(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "ENLACE_DEBUG": "0",
            "ENLACE_SECRET_KEY": secrets.token_urlsafe(50),
            "ENLACE_BASE_URL": "https://portal.example.com",
            "ENLACE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = enlace("check", env={"ENLACE_DEBUG": "0", "ENLACE_SECRET_KEY": ""})
    assert result.returncode != 0 and "ENLACE_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_no_model_change_lacks_its_migration():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


@pytest.mark.django_db
def test_org_create_makes_a_partners_person_admin_with_the_password_they_have(customer, alice):
    from django.contrib.auth import authenticate

    from enlace.accounts.joining import open_account
    from tests.conftest import PASSWORD

    person = User.objects.create_user(
        username="buyer@tornillo.example",
        email="buyer@tornillo.example",
        password=PASSWORD,
        profile=User.Profile.CUSTOMER,
        organization=customer.organization,
        partner=customer,
    )
    open_account(person)
    person.save()
    out = StringIO()
    call_command(
        "org",
        "create",
        "other",
        "--name",
        "Other",
        "--country",
        "EC",
        "--admin-email",
        "buyer@tornillo.example",
        stdout=out,
    )
    assert "keeps their password" in out.getvalue() and "One-time password" not in out.getvalue()
    staff = User.objects.get(organization=None, email="buyer@tornillo.example")
    assert staff.account == person.account and staff.memberships.get().organization.slug == "other"
    # One sign-in: the same password, and the customer's user of the first organization untouched.
    assert authenticate(username="buyer@tornillo.example", password=PASSWORD) in (person, staff)
    person.refresh_from_db()
    assert (person.organization, person.partner) == (customer.organization, customer)
