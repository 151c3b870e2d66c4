"""A person logs in with their national ID as they write it: with or without dots and dashes."""

import pytest
from django.contrib.auth import authenticate

from enlace.accounts.models import User
from enlace.partners.taxids import normalize_personal_id

PASSWORD = "Bogota-Medellin-2026"


@pytest.fixture
def colombian(db):
    username = normalize_personal_id("CO", "79.845.123-1")
    return User.objects.create_user(username=username, email="juan@ferreteria.example", password=PASSWORD)


@pytest.mark.parametrize("typed", ["798451231", "79.845.123-1", " 79 845 123 1 ", "juan@ferreteria.example"])
def test_the_username_with_or_without_punctuation_or_the_email_logs_in(colombian, typed):
    assert authenticate(username=typed, password=PASSWORD) == colombian


def test_another_number_does_not(colombian):
    assert authenticate(username="79.845.123-2", password=PASSWORD) is None
