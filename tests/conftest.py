"""Named actors and helpers shared by every test.

alice administers Acme (EC), bob is a member of Acme, charlie administers Globex (CO).
"""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connections
from django.utils import translation

from enlace.accounts.organizations import ensure_staff_user
from enlace.lib.env import progress_cache_settings
from enlace.organizations.models import Membership, Organization
from enlace.partners.models import Partner
from enlace.partners.samples import ec_cedula, ec_ruc
from enlace.partners.services import create_partner

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.BASE_URL = "https://enlace.test"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # As in production for this database: a table on PostgreSQL, else files (here the test's own).
        "import_progress": progress_cache_settings(
            "locmem://", settings.DATABASES["default"]["ENGINE"], tmp_path
        ),
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    from django.core.cache import cache

    cache.clear()
    # A request leaves its language active in the thread: each test starts from the default.
    translation.deactivate()
    yield
    translation.deactivate()
    # The progress of imports has a connection of its own on PostgreSQL: close it, or the test
    # database could not be dropped at the end.
    if "progress" in connections.settings:
        connections["progress"].close()


def make_org(slug, country="EC", language="es"):
    return Organization.objects.create(
        slug=slug, name=slug.title() + " S.A.", country=country, language=language
    )


def make_staff(email, organization, role=Membership.Role.ADMIN):
    user, _ = ensure_staff_user(email=email, password=PASSWORD)
    Membership.objects.create(organization=organization, user=user, role=role)
    return user


@pytest.fixture
def acme(db):
    return make_org("acme")


@pytest.fixture
def globex(db):
    return make_org("globex", country="CO", language="en")


@pytest.fixture
def alice(acme):
    return make_staff("alice@acme.example", acme)


@pytest.fixture
def bob(acme):
    return make_staff("bob@acme.example", acme, role=Membership.Role.MEMBER)


@pytest.fixture
def charlie(globex):
    return make_staff("charlie@globex.example", globex)


@pytest.fixture
def customer(acme):
    return create_partner(
        organization=acme,
        kind=Partner.Kind.CUSTOMER,
        tax_id=ec_ruc(1),
        code="C001",
        name="Ferretería El Tornillo",
        email="compras@tornillo.example",
    )


@pytest.fixture
def alice_client(alice):
    """Alice's own browser; the `client` fixture stays free for the invitee."""
    from django.test import Client

    browser = Client()
    browser.force_login(alice)
    return browser


def run_worker():
    """Run every queued task the way the worker does, then return.

    In-process, inside the test's transaction: the worker's habit of closing stale database
    connections between tasks would close the test's own connection, so it is switched off.
    """
    from unittest import mock

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("worker", "--drain", verbosity=0)


def link_in(message, path_prefix):
    match = re.search(r"https://enlace\.test(" + re.escape(path_prefix) + r"[^\s\"<]+)", message.body)
    assert match, f"no {path_prefix} link in:\n{message.body}"
    return match.group(1)


def field_in(message, label):
    match = re.search(re.escape(label) + r":\s*(\S+)", message.body)
    assert match, f"no {label} in:\n{message.body}"
    return match.group(1)


__all__ = ["PASSWORD", "run_worker", "link_in", "field_in", "ec_cedula", "mail"]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend is pointed at it."""
    from tests.smtp_server import SMTPServer

    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()
