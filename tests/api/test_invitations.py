import pytest

from enlace.invitations.models import Invitation
from enlace.invitations.services import issue_invitation
from tests.api.conftest import error_of


def invite(organization, email, partner=None, kind=Invitation.Kind.REGISTRATION):
    return issue_invitation(organization=organization, kind=kind, email=email, partner=partner)


@pytest.mark.django_db
def test_invitations_are_listed_by_state_kind_and_email(api, acme, customer):
    first = invite(acme, "a@tornillo.example", partner=customer)
    second = invite(acme, "b@tornillo.example")
    Invitation.objects.filter(pk=second.pk).update(
        state=Invitation.State.FAILED, delivery_error="550 no such user"
    )
    listed = api.get("/invitations").json()
    assert [i["id"] for i in listed["items"]] == [first.pk, second.pk]
    assert listed["items"][0]["partner_code"] == "C001" and listed["items"][0]["state"] == "queued"
    failed = api.get("/invitations", {"state": "failed"}).json()["items"]
    assert [(i["id"], i["delivery_error"]) for i in failed] == [(second.pk, "550 no such user")]
    assert [i["id"] for i in api.get("/invitations", {"email": "A@Tornillo.example"}).json()["items"]] == [
        first.pk
    ]
    assert [i["id"] for i in api.get("/invitations", {"partner_id": customer.pk}).json()["items"]] == [
        first.pk
    ]
    assert api.get("/invitations", {"kind": "supplier_code"}).json()["items"] == []
    assert api.get(f"/invitations/{first.pk}").json()["email"] == "a@tornillo.example"
    error = error_of(api.get("/invitations", {"state": "lost"}), 422)
    assert error["field"] == "state"


@pytest.mark.django_db
def test_resend_gives_a_new_secret_and_queues_the_email(api, acme):
    invitation = invite(acme, "a@tornillo.example")
    old_hash = invitation.secret_hash
    response = api.post(f"/invitations/{invitation.pk}/resend")
    assert response.status_code == 200 and response.json()["state"] == "queued"
    invitation.refresh_from_db()
    assert invitation.secret_hash != old_hash and invitation.generation == 2


@pytest.mark.django_db
def test_revoke_and_then_resend_is_refused_with_a_reason(api, acme):
    invitation = invite(acme, "a@tornillo.example")
    assert api.post(f"/invitations/{invitation.pk}/revoke").json()["state"] == "revoked"
    error = error_of(api.post(f"/invitations/{invitation.pk}/resend"), 409)
    assert (
        error["code"] == "not_pending"
        and error["message"] == "This invitation has already been used or revoked."
    )
    again = error_of(api.post(f"/invitations/{invitation.pk}/revoke", HTTP_ACCEPT_LANGUAGE="es"), 409)
    assert again["message"] == "Esta invitación ya fue usada o revocada."


@pytest.mark.django_db
def test_another_organization_cannot_see_resend_or_revoke(globex_api, acme):
    invitation = invite(acme, "a@tornillo.example")
    assert globex_api.get("/invitations").json()["items"] == []
    for call in (
        globex_api.get(f"/invitations/{invitation.pk}"),
        globex_api.post(f"/invitations/{invitation.pk}/resend"),
        globex_api.post(f"/invitations/{invitation.pk}/revoke"),
    ):
        assert error_of(call, 404)["code"] == "not_found"
    invitation.refresh_from_db()
    assert invitation.state == "queued" and invitation.generation == 1
