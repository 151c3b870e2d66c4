"""One rule for "this address already belongs to one of the organization's people", asked one
address or many at a time; another organization's people are not "taken"."""

import pytest

from enlace.accounts.models import User
from enlace.accounts.services import email_in_use, emails_in_use


@pytest.mark.django_db
def test_an_address_is_in_use_as_an_email_whatever_its_case_or_as_a_username(acme):
    User.objects.create(username="0912345678", email="Ana@Example.com", organization=acme)
    User.objects.create(username="luis@example.com", email="", organization=acme)
    assert emails_in_use(["ana@example.com", "luis@example.com", "free@example.com"], organization=acme) == {
        "ana@example.com",
        "luis@example.com",
    }
    assert email_in_use("ANA@example.com", organization=acme) and email_in_use(
        "luis@example.com", organization=acme
    )
    assert not email_in_use("free@example.com", organization=acme)
    assert emails_in_use([], organization=acme) == set()


@pytest.mark.django_db
def test_another_organizations_people_are_not_in_use_here(acme, globex, alice):
    User.objects.create(username="0912345678", email="ana@example.com", organization=acme)
    assert not email_in_use("ana@example.com", organization=globex)
    # Staff count in the organizations they belong to only.
    assert email_in_use(alice.email, organization=acme)
    assert not email_in_use(alice.email, organization=globex)


@pytest.mark.django_db
def test_a_user_without_email_does_not_take_the_empty_address(acme):
    User.objects.create(username="0912345678", email="", organization=acme)
    assert not email_in_use("", organization=acme)
