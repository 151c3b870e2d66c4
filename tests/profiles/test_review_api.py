"""The API reads a supplier's profile (account numbers always masked: keys carry no permission
to read them) and its review, and approves or rejects it, for the key's organization only."""

import pytest
from django.core import mail

from enlace.api.keys import create_api_key
from enlace.profiles.models import ProfileReview
from tests.api.conftest import ApiClient
from tests.conftest import run_worker
from tests.profiles.helpers import bank_account, post_company, post_items
from tests.profiles.reviewing import submit


@pytest.fixture
def acme_api(acme, alice):
    return ApiClient(create_api_key(organization=acme, name="ERP", by=alice)[1])


@pytest.fixture
def globex_api(globex, charlie):
    return ApiClient(create_api_key(organization=globex, name="ERP", by=charlie)[1])


@pytest.fixture
def submitted(rosa_client, acme, steel):
    post_company(rosa_client)
    post_items(rosa_client, "bank_accounts", [bank_account()])
    submit(rosa_client, acme)
    return steel


@pytest.mark.django_db
def test_the_profile_is_read_with_account_numbers_masked(acme_api, submitted):
    response = acme_api.get(f"/suppliers/{submitted.pk}/profile")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2 and body["data"]["legal_name"] == "Aceros del Sur S.A."
    assert body["data"]["bank_accounts"][0]["number"] == "•••• 3456"
    assert "2100123456" not in response.content.decode()


@pytest.mark.django_db
def test_an_erp_reads_and_approves_the_review(acme_api, rosa, submitted):
    review = acme_api.get(f"/suppliers/{submitted.pk}/review").json()["review"]
    assert (review["state"], review["version"], review["steps"][0]["action"]) == ("submitted", 2, "submitted")
    run_worker()
    mail.outbox.clear()
    response = acme_api.post(f"/suppliers/{submitted.pk}/review/approve")
    assert response.status_code == 200 and response.json()["review"]["state"] == "approved"
    run_worker()
    assert [message.to for message in mail.outbox] == [["rosa@aceros.example"]]
    # Approved: a second approval is refused, with the reason.
    response = acme_api.post(f"/suppliers/{submitted.pk}/review/approve")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "not_allowed_in_state",
        "message": "Only a submitted profile can be approved.",
        "field": None,
        "rows": None,
    }


@pytest.mark.django_db
def test_a_rejection_needs_a_reason_and_changes_need_a_comment(acme_api, submitted):
    url = f"/suppliers/{submitted.pk}/review"
    response = acme_api.post(url + "/reject", {"reason": " "})
    assert response.status_code == 422 and response.json()["error"]["code"] == "reason_required"
    assert acme_api.post(url + "/reject", {}).status_code == 422
    response = acme_api.post(url + "/request-changes", {"comments": {"contacts": ""}})
    assert response.status_code == 422 and response.json()["error"]["code"] == "comment_required"
    response = acme_api.post(url + "/request-changes", {"comments": {"nope": "x"}})
    assert response.status_code == 422 and response.json()["error"]["field"] == "nope"
    assert ProfileReview.objects.get().state == "submitted"
    response = acme_api.post(url + "/reject", {"reason": "Sin certificado bancario"})
    assert response.status_code == 200
    assert response.json()["review"]["steps"][-1]["reason"] == "Sin certificado bancario"


@pytest.mark.django_db
def test_another_organizations_key_gets_404_on_every_endpoint(globex_api, acme_api, customer, submitted):
    for path in ("/profile", "/review"):
        assert globex_api.get(f"/suppliers/{submitted.pk}{path}").status_code == 404
        assert acme_api.get(f"/suppliers/{customer.pk}{path}").status_code == 404  # a customer
    for path, body in (
        ("/approve", {}),
        ("/reject", {"reason": "x"}),
        ("/request-changes", {"comments": {"contacts": "x"}}),
    ):
        assert globex_api.post(f"/suppliers/{submitted.pk}/review{path}", body).status_code == 404
        assert acme_api.post(f"/suppliers/{customer.pk}/review{path}", body).status_code == 404
    assert ProfileReview.objects.get().state == "submitted"
    assert ApiClient().get(f"/suppliers/{submitted.pk}/review").status_code == 401
