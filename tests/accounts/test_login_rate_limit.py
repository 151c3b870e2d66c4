"""Failed logins hold a client address back for the whole window, on the database cache too."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from enlace.lib.env import cache_settings
from tests.conftest import PASSWORD

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def login(client, password):
    return client.post(reverse("accounts:login"), {"username": "alice@acme.example", "password": password})


def logged_in(response):
    return response.status_code == 302 and response["Location"] != reverse("accounts:login")


@pytest.mark.django_db
def test_twenty_failed_logins_hold_the_address_back_for_the_whole_window(client, alice, settings):
    settings.CACHES = {"default": cache_settings("db://")}  # the default in production
    settings.RATE_LIMIT_ATTEMPTS = 20
    settings.RATE_LIMIT_WINDOW_SECONDS = 900
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(20):
            assert login(client, "wrong").status_code == 200
        clock.shift(dt.timedelta(seconds=899))  # the database cache's own 300 s are long past
        held = login(client, PASSWORD)
        assert held.status_code == 302 and held["Location"] == reverse("accounts:login")
        assert "_auth_user_id" not in client.session
        clock.shift(dt.timedelta(seconds=1))
        assert logged_in(login(client, PASSWORD))


@pytest.mark.django_db
def test_a_successful_login_does_not_count_against_the_address(client, alice, settings):
    settings.RATE_LIMIT_ATTEMPTS = 2
    for _ in range(3):
        assert logged_in(login(client, PASSWORD))
        client.logout()
    assert login(client, "wrong").status_code == 200
    assert logged_in(login(client, PASSWORD))
