"""The "User activation requests" page: every invitation of the organization, filtered,
searched and paginated without one query per row."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enlace.invitations.delivery import fail
from enlace.invitations.models import Invitation
from enlace.invitations.services import build_invitation
from tests.conftest import run_worker

LIST = reverse("invitations:list")


def rows_of(page) -> list[str]:
    html = page.content.decode()
    return [email for email in ("maria@", "jorge@", "lucia@", "peter@") if email in html]


@pytest.mark.django_db
def test_it_lists_person_customer_email_dates_and_state(alice_client, people):
    run_worker()
    fail(people[2], reason="550 5.1.1 mailbox unavailable")
    html = alice_client.get(LIST).content.decode()
    assert "Solicitudes de activación de usuarios" in html
    assert "María José Paredes" in html and "Ferretería El Tornillo" in html and "C777" in html
    assert "maria@tornillo.example" in html
    assert html.count('class="badge sent"') == 2 and "Enviada" in html
    assert 'class="badge failed"' in html and "550 5.1.1 mailbox unavailable" in html
    assert "3 solicitudes" in html


@pytest.mark.django_db
def test_it_filters_by_state_and_kind(alice_client, people):
    run_worker()
    fail(people[1], reason="550 no such user")
    assert rows_of(alice_client.get(LIST, {"state": "failed"})) == ["jorge@"]
    assert rows_of(alice_client.get(LIST, {"state": "sent"})) == ["maria@", "lucia@"]
    assert rows_of(alice_client.get(LIST, {"kind": "registration"})) == ["maria@", "jorge@", "lucia@"]
    assert rows_of(alice_client.get(LIST, {"kind": "activation"})) == []
    assert rows_of(alice_client.get(LIST, {"state": "nonsense"})) == ["maria@", "jorge@", "lucia@"]


@pytest.mark.django_db
def test_an_overdue_invitation_reads_and_filters_as_expired(alice_client, people):
    run_worker()
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        page = alice_client.get(LIST, {"state": "expired"})
        assert rows_of(page) == ["maria@", "jorge@", "lucia@"]
        assert page.content.decode().count('class="badge expired"') == 3
        assert "Renovar" in page.content.decode()
        assert rows_of(alice_client.get(LIST, {"state": "sent"})) == []


@pytest.mark.django_db
def test_it_searches_names_email_and_customer(alice_client, people):
    assert rows_of(alice_client.get(LIST, {"q": "jorge"})) == ["jorge@"]
    assert rows_of(alice_client.get(LIST, {"q": "maría paredes"})) == ["maria@"]
    assert rows_of(alice_client.get(LIST, {"q": "Paredes PAZ"})) == []  # every word must match
    assert rows_of(alice_client.get(LIST, {"q": "andina"})) == ["lucia@"]
    assert rows_of(alice_client.get(LIST, {"q": "c777"})) == ["lucia@"]
    page = alice_client.get(LIST, {"q": "nobody"})
    assert rows_of(page) == [] and "Ninguna solicitud coincide" in page.content.decode()


@pytest.mark.django_db
def test_another_organizations_invitations_are_not_listed(alice_client, people, globex):
    build_invitation(
        organization=globex, kind=Invitation.Kind.REGISTRATION, email="peter@initech.example"
    ).save()
    assert rows_of(alice_client.get(LIST)) == ["maria@", "jorge@", "lucia@"]


@pytest.mark.django_db
def test_pages_cost_the_same_queries_however_many_rows(alice_client, acme, customer):
    def make(count, start):
        Invitation.objects.bulk_create(
            build_invitation(
                organization=acme,
                kind=Invitation.Kind.REGISTRATION,
                email=f"p{start + n}@tornillo.example",
                partner=customer,
                first_name=f"Persona {start + n}",
            )
            for n in range(count)
        )

    def queries_for_list():
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(LIST).status_code == 200
        return len(queries)

    make(3, 0)
    few = queries_for_list()
    make(120, 3)
    many = queries_for_list()
    assert many == few
    assert many <= 8  # session, user, memberships, count, one page of invitations with partners
    page_three = alice_client.get(LIST, {"page": 3}).content.decode()
    assert "Página 3 de 3" in page_three and page_three.count("<tr>") == 1 + 23


@pytest.mark.django_db
def test_a_member_sees_the_list_without_actions(acme, bob, people):
    browser = Client()
    browser.force_login(bob)
    html = browser.get(LIST).content.decode()
    assert "maria@tornillo.example" in html
    assert "Reenviar" not in html and "Revocar" not in html


@pytest.mark.django_db
def test_the_page_speaks_english(charlie, globex):
    build_invitation(
        organization=globex, kind=Invitation.Kind.REGISTRATION, email="peter@initech.example"
    ).save()
    browser = Client()
    browser.force_login(charlie)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    html = browser.get(LIST).content.decode()
    assert "User activation requests" in html and "Created" in html and "1 request" in html
    assert 'href="/requests/"' in html  # the nav link


@pytest.mark.django_db
def test_strangers_are_sent_to_log_in(client, people):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_a_list_longer_than_what_it_counts_says_more_than_and_numbers_only_its_first_pages(
    alice_client, people, monkeypatch
):
    from enlace.lib.pagination import CountLimitedPaginator

    monkeypatch.setattr(CountLimitedPaginator, "count_limit", 2)
    with CaptureQueriesContext(connection) as captured:
        html = alice_client.get(LIST).content.decode()
    assert "Más de 2 solicitudes" in html and "3 solicitudes" not in html
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"] and "invitations_invitation" in q["sql"]]
    assert counts and all("LIMIT 3" in sql for sql in counts)  # never every row

    monkeypatch.setattr(CountLimitedPaginator, "count_limit", 3)
    html = alice_client.get(LIST).content.decode()
    assert "3 solicitudes" in html and "Más de" not in html


@pytest.mark.django_db
def test_numbered_pages_stop_at_what_the_list_counts_and_say_how_to_reach_the_rest(
    alice_client, people, monkeypatch
):
    from enlace.invitations import views
    from enlace.lib.pagination import CountLimitedPaginator

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    monkeypatch.setattr(CountLimitedPaginator, "count_limit", 2)
    html = alice_client.get(LIST, {"page": 2}).content.decode()
    assert "Página 2 de 2" in html
    assert "Solo los primeros 2 están numerados: filtre la lista para llegar a los demás." in html
    assert "page=3" not in html
