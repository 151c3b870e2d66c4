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


@pytest.mark.django_db
def test_patch_changes_only_the_fields_sent_with_the_pages_rules(api, acme, customer):
    from enlace.audit.models import AuditEvent
    from enlace.partners.models import Partner
    from enlace.partners.samples import ec_ruc
    from enlace.partners.services import create_partner

    user_id = api.post("/users", person(customer)).json()["id"]
    bodega = create_partner(
        organization=acme, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(2), code="C002", name="Bodega"
    )
    cedula = ec_cedula(25)
    response = api.patch(
        f"/users/{user_id}",
        {"phone": "099 123 4567", "username": f"{cedula[:9]}-{cedula[9:]}", "customer_code": "C002"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["phone"], body["username"], body["partner_id"]) == ("+593991234567", cedula, bodega.pk)
    assert (body["first_name"], body["email"]) == ("Ana", "ana@tornillo.example")  # not sent, kept
    event = AuditEvent.objects.get(user_id=user_id, action=AuditEvent.Action.USER_EDITED)
    assert event.detail == "phone,username,partner"
    assert api.patch(f"/users/{user_id}", {"last_name": "Loor"}).json()["last_name"] == "Loor"


@pytest.mark.django_db
def test_patch_errors_name_the_field_and_a_code(api, acme, alice, customer):
    create_customer_user(
        organization=acme, by=alice, username=ec_cedula(26), partner=customer, email="b@tornillo.example"
    )
    user_id = api.post("/users", person(customer)).json()["id"]
    cases = [
        ({"phone": "12"}, "phone", "invalid_phone"),
        ({"username": ec_cedula(26)}, "username", "taken"),
        ({"customer_code": "NOPE"}, "customer", "invalid_choice"),
        ({"first_name": ""}, "first_name", "required"),
        ({"first_name": None}, "first_name", "invalid"),
        ({"email": "new@tornillo.example"}, None, None),  # not a field of the PATCH: ignored
    ]
    for payload, field, code in cases:
        response = api.patch(f"/users/{user_id}", payload)
        if field is None:
            assert response.status_code == 200 and response.json()["email"] == "ana@tornillo.example"
            continue
        error = error_of(response, 422)
        assert (error["field"], error["code"]) == (field, code), payload
    assert api.get(f"/users/{user_id}").json()["username"] == ec_cedula(21)


@pytest.mark.django_db
def test_patch_is_scoped_to_the_organization_and_its_partners_people(api, globex_api, alice, customer):
    user_id = api.post("/users", person(customer)).json()["id"]
    assert error_of(globex_api.patch(f"/users/{user_id}", {"first_name": "X"}), 404)["code"] == "not_found"
    assert error_of(api.patch(f"/users/{alice.pk}", {"first_name": "X"}), 404)["code"] == "not_found"
    assert api.get(f"/users/{user_id}").json()["first_name"] == "Ana"


@pytest.mark.django_db
def test_a_suppliers_persons_username_and_supplier_cannot_be_patched(api, acme, alice):
    from tests.accounts.test_edit_people import registered_supplier_person

    person = registered_supplier_person(acme, alice)
    error = error_of(api.patch(f"/users/{person.pk}", {"username": ec_cedula(27)}), 422)
    assert (error["code"], error["field"]) == ("not_editable", "username")
    error = error_of(api.patch(f"/users/{person.pk}", {"customer_id": 1}, HTTP_ACCEPT_LANGUAGE="es"), 422)
    assert (error["code"], error["field"]) == ("not_editable", "customer")
    assert error["message"] == "Cliente no se puede cambiar para esta persona."
    assert api.patch(f"/users/{person.pk}", {"last_name": "Paredes"}).json()["last_name"] == "Paredes"


@pytest.mark.django_db
def test_patch_keeps_an_imported_persons_email_username_unless_sent(api, acme, customer):
    from enlace.accounts.models import User

    user_id = api.post("/users", person(customer)).json()["id"]
    User.objects.filter(pk=user_id).update(username="ana@tornillo.example")
    assert api.patch(f"/users/{user_id}", {"phone": "+593 99 123 4567"}).json()["phone"] == "+593991234567"
    assert error_of(api.patch(f"/users/{user_id}", {"username": "ana@x.example"}), 422)["field"] == "username"
