"""The activation requests' search: the same invitations on every database, read from the
indexes on PostgreSQL."""

import pytest
from django.urls import reverse

from enlace.invitations.models import Invitation
from enlace.invitations.selectors import search_invitations
from enlace.invitations.services import build_invitation
from enlace.partners.models import Partner
from tests.organizations.test_list_pages_queries import add_partners
from tests.search_plans import committing, plan_of, postgresql_only


def add_requests(organization, partner, start, count):
    Invitation.objects.bulk_create(
        build_invitation(
            organization=organization,
            kind=Invitation.Kind.REGISTRATION,
            email=f"p{n}@tornillo.example",
            partner=partner,
            first_name=f"Persona {n}",
            last_name=f"Apellido{n}",
        )
        for n in range(start, start + count)
    )


def emails(invitations) -> list[str]:
    return sorted(i.email for i in invitations)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, found",
    [
        ("apellido7", ["p7@tornillo.example"]),  # a last name, any case
        ("P8@TORNILLO", ["p8@tornillo.example"]),  # a part of the email
        ("persona apellido9", ["p9@tornillo.example"]),  # every word must match
        ("Tornillo C001", [f"p{n}@tornillo.example" for n in range(10)]),  # the customer's name and code
        ("c001 nadie", []),
    ],
)
def test_the_search_matches_people_and_their_customer(acme, customer, query, found):
    add_requests(acme, customer, 0, 10)
    assert emails(search_invitations(organization=acme, query=query)) == sorted(found)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, state",
    [("persona", ""), ("2 persona", ""), ("apellido1 tornillo", ""), ("c001", "queued"), ("c001", "sent")],
)
def test_a_limited_search_keeps_its_newest_matches(acme, customer, query, state):
    add_requests(acme, customer, 0, 30)
    Invitation.objects.filter(email__endswith="5@tornillo.example").update(state=Invitation.State.QUEUED)
    everything = [i.pk for i in search_invitations(organization=acme, query=query, state=state)]
    limited = search_invitations(organization=acme, query=query, state=state, limit=4)
    assert [i.pk for i in limited] == everything[:5]


@pytest.mark.django_db
def test_a_search_with_too_many_matches_says_so(alice_client, acme, customer, monkeypatch):
    add_requests(acme, customer, 0, 30)
    monkeypatch.setattr("enlace.invitations.views.SEARCH_LIMIT", 10)
    page = alice_client.get(reverse("invitations:list"), {"q": "persona"}).content.decode()
    assert "Más de 10 coinciden con su búsqueda" in page
    page = alice_client.get(reverse("invitations:list"), {"q": "persona 3"}).content.decode()
    assert "coinciden con su búsqueda" not in page and "3 solicitudes" in page


@postgresql_only
@committing
def test_the_search_reads_the_indexes(acme, customer):
    for n, partner in enumerate(add_partners(acme, Partner.Kind.CUSTOMER, 0, 3000)):
        add_requests(acme, partner, n, 1)
    plan = plan_of(search_invitations(organization=acme, query="apellido77"))
    assert "invitation_search_trgm_idx" in plan and "partner_name_trgm_idx" in plan, plan


@postgresql_only
@committing
def test_a_common_word_in_one_state_walks_that_states_newest_first(acme, customer):
    """A word most people's names hold, with a state: the newest matches are read in order from
    the state's index alone, not every matching row fetched and sorted."""
    add_requests(acme, customer, 0, 3000)
    Invitation.objects.filter(email__endswith="7@tornillo.example").update(state=Invitation.State.FAILED)
    search = search_invitations(organization=acme, query="persona", state="failed", limit=50)
    newest = Invitation.objects.filter(state=Invitation.State.FAILED).order_by("-created_at", "-id")
    assert [i.pk for i in search] == [i.pk for i in newest[:51]]
    walk = (
        Invitation.objects.filter(organization=acme, state="failed", last_name__icontains="apellido")
        .order_by("-created_at", "-id")
        .values_list("created_at", "pk")[:51]
    )
    plan = plan_of(walk)
    assert "Index Only Scan using invitation_state_newest_idx" in plan, plan
