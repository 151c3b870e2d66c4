"""The language cookie is set as the session cookie is: only over HTTPS in production, out of
reach of scripts, and not sent along with requests that other sites start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.accounts.test_customer_user_activation import add_user
from tests.conftest import link_in, run_worker

ROOT = Path(__file__).resolve().parents[2]


def settings_of(**environment) -> dict:
    """The cookie settings as a fresh process reads them from these ENLACE_* variables."""
    names = [
        "LANGUAGE_COOKIE_SECURE",
        "LANGUAGE_COOKIE_HTTPONLY",
        "LANGUAGE_COOKIE_SAMESITE",
        "SESSION_COOKIE_SECURE",
    ]
    # What the settings module leaves out, Django's defaults decide.
    code = (
        "from django.conf import global_settings as g; from enlace import settings as s; "
        f"print(*(getattr(s, n, getattr(g, n)) for n in {names!r}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENLACE_")}
    env.update(environment)
    output = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert output.returncode == 0, output.stderr
    secure, httponly, samesite, session_secure = output.stdout.split()
    return {"secure": secure, "httponly": httponly, "samesite": samesite, "session_secure": session_secure}


def test_production_marks_the_language_cookie_as_the_session_cookie():
    production = settings_of(ENLACE_SECRET_KEY="k" * 50, ENLACE_DATABASE_URL="sqlite:///:memory:")
    assert production == {"secure": "True", "httponly": "True", "samesite": "Lax", "session_secure": "True"}
    # Development runs on plain HTTP: a Secure cookie would never come back.
    development = settings_of(ENLACE_DEBUG="1", ENLACE_DATABASE_URL="sqlite:///:memory:")
    assert development["secure"] == "False" and development["samesite"] == "Lax"


def assert_protected(response):
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax", cookie.output()


@pytest.mark.django_db
def test_choosing_a_language_sets_a_protected_cookie(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert_protected(response)


@pytest.mark.django_db
def test_the_language_an_activation_remembers_is_protected_too(alice_client, customer, client):
    add_user(alice_client, customer)
    run_worker()
    client.get(link_in(mail.outbox[0], "/a/"))
    response = client.post(reverse("accounts:activate"))
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert_protected(response)
