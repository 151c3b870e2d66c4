"""An import's page follows its campaign: the funnel of exactly the invitations it sent, each
number the count of the list it links to."""

import pytest
from django.urls import reverse

from enlace.imports.models import ImportBatch
from enlace.imports.services import import_file
from enlace.invitations.models import Invitation
from tests.imports.helpers import CUSTOMER_USERS_HEADER, SUPPLIERS_HEADER, csv_file, person, supplier_row


def list_count(client, filters) -> int:
    return client.get(reverse("invitations:list"), filters).context["page"].paginator.count


@pytest.mark.django_db
def test_an_imports_page_shows_the_funnel_of_the_invitations_it_sent(alice_client, alice, customer):
    organization = customer.organization
    first = import_file(
        organization=organization,
        kind=ImportBatch.Kind.CUSTOMER_USERS,
        file=csv_file([person(1), person(2), person(3)], CUSTOMER_USERS_HEADER),
        filename="people.csv",
        by=alice,
    )
    second = import_file(
        organization=organization,
        kind=ImportBatch.Kind.CUSTOMER_USERS,
        file=csv_file([person(4)], CUSTOMER_USERS_HEADER),
        filename="more.csv",
        by=alice,
    )
    registered = Invitation.objects.get(email="persona2@cliente.example")
    Invitation.objects.filter(pk=registered.pk).update(state=Invitation.State.REGISTERED)

    page = alice_client.get(reverse("imports:batch_detail", args=[first.pk]))
    funnel = page.context["funnel"]
    assert [(n.key, n.count) for n in funnel.stages] == [
        ("invited", 3),
        ("delivered", 1),
        ("registered", 1),
        ("activated", 0),
    ]
    for number in (*funnel.stages, *funnel.losses):
        assert number.count == list_count(alice_client, number.filters), number
    assert alice_client.get(reverse("imports:batch_detail", args=[second.pk])).context["funnel"].invited == 1


@pytest.mark.django_db
def test_a_suppliers_import_counts_the_codes_it_sent_and_those_it_kept(alice_client, alice, acme):
    def upload():
        return import_file(
            organization=acme,
            kind=ImportBatch.Kind.SUPPLIERS,
            file=csv_file([supplier_row(1, notify="1"), supplier_row(2, notify="1")], SUPPLIERS_HEADER),
            filename="suppliers.csv",
            by=alice,
        )

    first, again = upload(), upload()
    assert first.status == again.status == ImportBatch.Status.APPLIED
    # The second upload kept the two pending codes: its campaign is the same two people.
    for batch in (first, again):
        funnel = alice_client.get(reverse("imports:batch_detail", args=[batch.pk])).context.get("funnel")
        assert funnel.invited == 2
    assert list_count(alice_client, {"batch": again.pk, "stage": "invited"}) == 2
