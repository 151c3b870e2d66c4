"""One rule for "this address already belongs to a user", asked one address or many at a time."""

import pytest

from enlace.accounts.models import User
from enlace.accounts.services import email_in_use, emails_in_use


@pytest.mark.django_db
def test_an_address_is_in_use_as_an_email_whatever_its_case_or_as_a_username():
    User.objects.create(username="0912345678", email="Ana@Example.com")
    User.objects.create(username="luis@example.com", email="")
    assert emails_in_use(["ana@example.com", "luis@example.com", "free@example.com"]) == {
        "ana@example.com",
        "luis@example.com",
    }
    assert email_in_use("ANA@example.com") and email_in_use("luis@example.com")
    assert not email_in_use("free@example.com") and emails_in_use([]) == set()


@pytest.mark.django_db
def test_a_user_without_email_does_not_take_the_empty_address():
    User.objects.create(username="0912345678", email="")
    assert not email_in_use("")
