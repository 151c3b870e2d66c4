"""Each organization reads times in its own zone: its pages, the emails it sends (with the zone
named, since the invitee may be elsewhere) and its exports. English pages write dates with the
month's name, never 12/05/2026."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enlace.accounts.models import User
from enlace.invitations.services import build_invitation, queue_emails
from tests.conftest import make_org, make_staff, run_worker

# Invited at 19:30 UTC; links live 48 hours, so they expire on 5 December at 19:30 UTC:
# 14:30 in Guayaquil (UTC-5), 16:30 in Buenos Aires (UTC-3).
INVITED_AT = datetime(2026, 12, 3, 19, 30, tzinfo=UTC)


@pytest.fixture
def pampa(db):
    """An Argentine organization whose people read English."""
    return make_org("pampa", country="AR", language="en")


def invite(organization, email):
    user = User.objects.create(
        username=email,
        email=email,
        profile=User.Profile.CUSTOMER,
        status=User.Status.PENDING_ACTIVATION,
        organization=organization,
        language=organization.language,
    )
    invitation = build_invitation(
        organization=organization, kind="activation", email=email, user=user, first_name="Ana"
    )
    invitation.save()
    queue_emails([invitation])
    return invitation


@pytest.fixture
def invited(acme, pampa):
    with time_machine.travel(INVITED_AT, tick=False):
        invite(acme, "ana@tornillo.example")
        invite(pampa, "ana@gaucho.example")
        run_worker()


def browser_of(person, language="es"):
    browser = Client()
    browser.force_login(person)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return browser


def test_an_organization_starts_in_its_country_s_zone(acme, pampa):
    assert (acme.time_zone, pampa.time_zone) == ("America/Guayaquil", "America/Argentina/Buenos_Aires")


@pytest.mark.django_db
def test_emails_give_the_time_in_the_organization_s_zone_and_name_it(invited):
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "5 de diciembre de 2026 a las 14:30 (America/Guayaquil)" in bodies["ana@tornillo.example"]
    assert "5 Dec 2026, 16:30 (America/Argentina/Buenos_Aires)" in bodies["ana@gaucho.example"]


@pytest.mark.django_db
def test_pages_show_the_organization_s_local_time(acme, pampa, invited):
    spanish = browser_of(make_staff("alice@acme.example", acme)).get(reverse("invitations:list"))
    english = browser_of(make_staff("pat@pampa.example", pampa), "en").get(reverse("invitations:list"))
    assert "05/12/2026 14:30" in spanish.content.decode()  # expires
    assert "03/12/2026 14:30" in spanish.content.decode()  # sent
    page = english.content.decode()
    assert "5 Dec 2026, 16:30" in page and "3 Dec 2026, 16:30" in page
    assert "12/05/2026" not in page and "12/5/2026" not in page


@pytest.mark.django_db
def test_exports_are_in_the_organization_s_zone_and_say_which(acme, pampa, invited):
    def export(person, delimiter, language):
        response = browser_of(person, language).get(reverse("invitations:export", args=["csv"]))
        content = b"".join(response.streaming_content).decode("utf-8")[1:]
        header, row = list(csv.reader(io.StringIO(content), delimiter=delimiter))
        return dict(zip(header, row, strict=True))

    spanish = export(make_staff("alice@acme.example", acme), ";", "es")
    english = export(make_staff("pat@pampa.example", pampa), ",", "en")
    assert spanish["Caduca el (America/Guayaquil)"] == "2026-12-05 14:30:00"
    assert spanish["Enviado el (America/Guayaquil)"] == "2026-12-03 14:30:00"
    assert english["Expires at (America/Argentina/Buenos_Aires)"] == "2026-12-05 16:30:00"


@pytest.mark.django_db
def test_a_request_leaves_no_zone_behind_for_the_next(acme, pampa, invited):
    browser_of(make_staff("pat@pampa.example", pampa), "en").get(reverse("invitations:list"))
    assert timezone.get_current_timezone_name() == "America/Guayaquil"  # the server's default
