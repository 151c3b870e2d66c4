"""The supplier directory shows each supplier's profile review by the organization, filters on
it, and reads it in the page's own query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enlace.profiles.models import ProfileReview
from tests.partners.suppliers import add_supplier
from tests.partners.test_supplier_directory import rows_of

URL = reverse("partners:supplier_list")


def reviewed(organization, partner, state):
    ProfileReview.objects.create(organization=organization, company=partner.company, state=state)


@pytest.mark.django_db
def test_the_directory_shows_and_filters_the_review_state(alice_client, acme, globex):
    approved = add_supplier(acme, 1, name="Aprobado S.A.")
    submitted = add_supplier(acme, 2, name="Enviado S.A.")
    add_supplier(acme, 3, name="Nuevo S.A.")
    reviewed(acme, approved, ProfileReview.State.APPROVED)
    reviewed(acme, submitted, ProfileReview.State.SUBMITTED)
    # Another buyer's review of the same company is not Acme's.
    globex.country = "EC"
    globex.save()
    reviewed(globex, add_supplier(globex, 3, name="Nuevo en Globex"), ProfileReview.State.REJECTED)
    rows = rows_of(alice_client.get(URL).content.decode())
    assert (
        rows.count('class="review-state">Aprobado<') == 1
        and rows.count('class="review-state">Borrador<') == 1
    )
    assert "Rechazado" not in rows
    for state, names in {
        "approved": ["Aprobado S.A."],
        "submitted": ["Enviado S.A."],
        "draft": ["Nuevo S.A."],
        "rejected": [],
        # Submitted at least once: whatever the buyer did with it since.
        "ever_submitted": ["Aprobado S.A.", "Enviado S.A."],
    }.items():
        rows = rows_of(alice_client.get(URL, {"review": state}).content.decode())
        assert [name for name in ("Aprobado S.A.", "Enviado S.A.", "Nuevo S.A.") if name in rows] == names, (
            state
        )
    # An unknown state is no filter.
    assert "Nuevo S.A." in rows_of(alice_client.get(URL, {"review": "nope"}).content.decode())
    # The filter is kept when paging.
    page = alice_client.get(URL, {"review": "approved"}).content.decode()
    assert '<option value="approved" selected>' in page


@pytest.mark.django_db
def test_the_review_state_costs_no_query_per_row(alice_client, acme):
    def queries_for_page():
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(URL, {"review": ""}).status_code == 200
        return len(queries)

    for n in range(1, 4):
        reviewed(acme, add_supplier(acme, n), ProfileReview.State.APPROVED)
    few = queries_for_page()
    for n in range(4, 40):
        reviewed(acme, add_supplier(acme, n), ProfileReview.State.SUBMITTED)
    assert queries_for_page() == few
    with CaptureQueriesContext(connection) as queries:
        alice_client.get(URL, {"review": "approved"})
    assert len(queries) == few
