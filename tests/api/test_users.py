import pytest

from enlace.accounts.models import User
from enlace.accounts.services import create_customer_user
from enlace.invitations.models import Invitation
from tests.api.conftest import error_of
from tests.conftest import ec_cedula, link_in, run_worker


def person(customer, **fields):
    return {
        "username": ec_cedula(21),
        "customer_code": customer.code,
        "email": "ana@tornillo.example",
        "first_name": "Ana",
        "last_name": "Pérez",
        **fields,
    }


@pytest.mark.django_db
def test_creating_a_portal_user_sends_the_activation_email_over_smtp(api, client, smtp_server, customer):
    response = api.post("/users", person(customer, username="171.003.406-5"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending_activation" and body["username"] == "1710034065"
    assert body["partner_code"] == "C001" and body["profile"] == "customer"
    run_worker()
    [message] = smtp_server.messages
    assert message["To"] == "ana@tornillo.example"
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert "https://enlace.test/a/" in text.decode()
    assert Invitation.objects.get(user_id=body["id"]).state == "sent"


@pytest.mark.django_db
def test_the_customer_can_be_named_by_id(api, customer):
    response = api.post("/users", person(customer, customer_code=None, customer_id=customer.pk))
    assert response.status_code == 201 and response.json()["partner_id"] == customer.pk


@pytest.mark.django_db
def test_portal_user_rules_are_the_forms_rules(api, customer, acme, alice):
    create_customer_user(
        organization=acme, by=alice, username=ec_cedula(22), partner=customer, email="used@tornillo.example"
    )
    cases = [
        (person(customer, username="123"), "username"),
        (person(customer, username=ec_cedula(22)), "username"),
        (person(customer, email="not-an-email"), "email"),
        (person(customer, email="USED@tornillo.example"), "email"),
        (person(customer, customer_code="NOPE"), "customer"),
        (person(customer, first_name=""), "first_name"),
    ]
    for payload, field in cases:
        assert error_of(api.post("/users", payload), 422)["field"] == field, payload
    missing = error_of(api.post("/users", {"username": ec_cedula(23)}), 422)
    assert missing["code"] == "invalid" and missing["message"] == "This value is required."
    assert User.objects.filter(profile="customer").count() == 1


@pytest.mark.django_db
def test_a_customer_of_another_organization_cannot_be_chosen(globex_api, customer):
    payload = person(customer, username="900.373.115-3", customer_code=None, customer_id=customer.pk)
    error = error_of(globex_api.post("/users", payload), 422)
    assert error["field"] == "customer"
    assert not User.objects.filter(profile="customer").exists()


@pytest.mark.django_db
def test_resending_the_activation_kills_the_old_link(api, client, customer):
    user_id = api.post("/users", person(customer)).json()["id"]
    run_worker()
    from django.core import mail

    old_link = link_in(mail.outbox[-1], "/a/")
    response = api.post(f"/users/{user_id}/resend")
    assert response.status_code == 200 and response.json()["state"] == "queued"
    run_worker()
    new_link = link_in(mail.outbox[-1], "/a/")
    assert new_link != old_link
    old_page = client.get(old_link, follow=True)
    assert old_page.status_code == 410 and "fue reemplazado" in old_page.content.decode()


@pytest.mark.django_db
def test_resending_to_an_active_user_is_refused_with_a_reason(api, customer):
    user_id = api.post("/users", person(customer)).json()["id"]
    User.objects.filter(pk=user_id).update(status=User.Status.ACTIVE)
    error = error_of(api.post(f"/users/{user_id}/resend", HTTP_ACCEPT_LANGUAGE="es"), 409)
    assert error["code"] == "not_pending" and error["message"] == "Este usuario ya activó su cuenta."


@pytest.mark.django_db
def test_users_are_listed_by_status_and_staff_are_not_portal_users(api, customer, alice):
    first = api.post("/users", person(customer)).json()["id"]
    second = api.post("/users", person(customer, username=ec_cedula(24), email="b@tornillo.example")).json()[
        "id"
    ]
    User.objects.filter(pk=second).update(status=User.Status.READY)
    listed = api.get("/users").json()["items"]
    assert [u["id"] for u in listed] == [first, second]
    assert [u["id"] for u in api.get("/users", {"status": "ready"}).json()["items"]] == [second]
    assert [u["id"] for u in api.get("/users", {"q": "ana@"}).json()["items"]] == [first]
    assert api.get(f"/users/{first}").json()["email"] == "ana@tornillo.example"
    bad = error_of(api.get("/users", {"status": "sleeping"}), 422)
    assert bad["field"] == "status" and "pending_activation" in bad["message"]
    assert error_of(api.get(f"/users/{alice.pk}"), 404)["code"] == "not_found"


@pytest.mark.django_db
def test_another_organization_sees_none_of_acmes_users(api, globex_api, customer):
    user_id = api.post("/users", person(customer)).json()["id"]
    assert globex_api.get("/users").json()["items"] == []
    assert error_of(globex_api.get(f"/users/{user_id}"), 404)["code"] == "not_found"
    assert error_of(globex_api.post(f"/users/{user_id}/resend"), 404)["code"] == "not_found"


@pytest.mark.django_db
def test_the_api_disables_and_enables_and_reports_it(api, globex_api, acme, customer):
    from tests.accounts.test_disable_people import ready_person

    person = ready_person(acme, customer)
    body = api.post(f"/users/{person.pk}/disable").json()
    assert body["is_active"] is False
    assert api.get(f"/users/{person.pk}").json()["is_active"] is False
    assert error_of(api.post(f"/users/{person.pk}/disable"), 409)["code"] == "already_disabled"
    assert error_of(globex_api.post(f"/users/{person.pk}/enable"), 404)["code"] == "not_found"
    assert api.post(f"/users/{person.pk}/enable").json()["is_active"] is True


@pytest.mark.django_db
def test_the_api_sends_a_password_reset_to_a_ready_user(api, globex_api, acme, customer):
    from enlace.accounts.models import PasswordReset
    from tests.accounts.test_disable_people import ready_person

    person = ready_person(acme, customer)
    assert error_of(globex_api.post(f"/users/{person.pk}/password-reset"), 404)["code"] == "not_found"
    assert api.post(f"/users/{person.pk}/password-reset").status_code == 202
    assert PasswordReset.objects.filter(user=person).count() == 1
    api.post(f"/users/{person.pk}/disable")
    assert error_of(api.post(f"/users/{person.pk}/password-reset"), 409)["code"] == "not_ready"
