import pytest

from enlace.partners.models import Company, Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.api.conftest import error_of


def add(organization, kind, n, **fields):
    return create_partner(
        organization=organization,
        kind=kind,
        tax_id=ec_ruc(n),
        code=fields.pop("code", f"P{n:03}"),
        name=fields.pop("name", f"Partner {n}"),
        **fields,
    )


@pytest.mark.django_db
def test_customers_are_listed_and_found_like_on_the_page(api, acme, customer):
    add(acme, Partner.Kind.CUSTOMER, 2, name="Otra Empresa")
    add(acme, Partner.Kind.SUPPLIER, 3, name="Un Proveedor")
    body = api.get("/customers").json()
    assert [c["code"] for c in body["items"]] == ["C001", "P002"] and body["next_cursor"] is None
    assert body["items"][0]["tax_id"] == ec_ruc(1) and body["items"][0]["registered"] is False

    for typed in ["170.000.0019-001", "C001", "torni", "compras@tornillo.example"]:
        found = api.get("/customers", {"q": typed}).json()["items"]
        assert [c["name"] for c in found] == ["Ferretería El Tornillo"], typed
    assert [s["name"] for s in api.get("/suppliers").json()["items"]] == ["Un Proveedor"]


@pytest.mark.django_db
def test_filters_by_group_and_registration(api, acme, customer):
    add(acme, Partner.Kind.CUSTOMER, 2, groups=["Sierra"])
    Company.objects.filter(pk=customer.company_id).update(registered_at="2026-01-02T03:04:05Z")
    assert [c["code"] for c in api.get("/customers", {"group": "sierra"}).json()["items"]] == ["P002"]
    assert [c["code"] for c in api.get("/customers", {"registered": "true"}).json()["items"]] == ["C001"]
    assert [c["code"] for c in api.get("/customers", {"registered": "false"}).json()["items"]] == ["P002"]


@pytest.mark.django_db
@pytest.mark.parametrize("offset", ["-17:01", "+00:00", ""])
def test_updated_since_takes_any_iso_offset(api, customer, offset):
    # PostgreSQL refuses offsets past ±15:59 in a query; the API compares in UTC.
    found = api.get("/customers", {"updated_since": f"0270-10-06T12:51:11{offset}"})
    assert found.status_code == 200 and [c["code"] for c in found.json()["items"]] == ["C001"]
    later = api.get("/customers", {"updated_since": f"2999-01-01T00:00:00{offset}"})
    assert later.status_code == 200 and later.json()["items"] == []


@pytest.mark.django_db
def test_a_cursor_walks_every_partner_once(api, acme, django_assert_max_num_queries):
    for n in range(1, 8):
        add(acme, Partner.Kind.SUPPLIER, n, groups=["A", "B"])
    seen, cursor = [], None
    while True:
        with django_assert_max_num_queries(6):  # key, last use, count-free page, groups
            body = api.get("/suppliers", {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [s["code"] for s in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"P{n:03}" for n in range(1, 8)]
    assert body["items"][0]["groups"] == ["A", "B"]


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["garbage", "YWZ0ZXI6eA", "%%%"])
def test_a_bad_cursor_is_a_clear_error(api, acme, cursor):
    error = error_of(api.get("/suppliers", {"cursor": cursor}), 422)
    assert error["code"] == "invalid_cursor" and error["field"] == "cursor"


@pytest.mark.django_db
def test_get_one_partner(api, customer):
    body = api.get(f"/customers/{customer.pk}").json()
    assert body["name"] == "Ferretería El Tornillo" and body["email"] == "compras@tornillo.example"
    # The same record is not a supplier.
    assert error_of(api.get(f"/suppliers/{customer.pk}"), 404)["code"] == "not_found"


@pytest.mark.django_db
def test_creating_a_customer_validates_and_normalizes_as_the_form_does(api, acme):
    response = api.post(
        "/customers",
        {
            "code": "C777",
            "tax_id": "1700000019-001",
            "name": "Nuevo",
            "email": "X@Nuevo.example",
            "groups": ["Costa"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tax_id"] == ec_ruc(1) and body["email"] == "x@nuevo.example" and body["groups"] == ["Costa"]
    assert Partner.objects.get(pk=body["id"]).organization == acme

    again = error_of(api.post("/customers", {"code": "C778", "tax_id": ec_ruc(1), "name": "Nuevo"}), 409)
    assert again["code"] == "partner_exists" and again["field"] == "tax_id"
    taken = error_of(api.post("/customers", {"code": "C777", "tax_id": ec_ruc(2), "name": "Otro"}), 409)
    assert taken["code"] == "code_taken" and taken["field"] == "code"


@pytest.mark.django_db
def test_a_customer_needs_a_code_and_a_supplier_does_not(api, acme):
    error = error_of(api.post("/customers", {"tax_id": ec_ruc(3), "name": "Sin código"}), 422)
    assert error["field"] == "code" and error["code"] == "required"
    assert api.post("/suppliers", {"tax_id": ec_ruc(3), "name": "Sin código"}).status_code == 201


@pytest.mark.django_db
def test_an_invalid_tax_id_is_explained_in_the_requested_language(api, acme):
    payload = {"code": "C9", "tax_id": "1234567890123", "name": "X"}
    english = error_of(api.post("/customers", payload), 422)
    assert english == {
        "code": "invalid_tax_id",
        "message": "This is not a valid RUC of Ecuador. Its check digit (character 10) does not match the "
        "others: with them it would be 7. Check that the number was copied right.",
        "field": "tax_id",
        "rows": None,
    }
    spanish = error_of(api.post("/customers", payload, HTTP_ACCEPT_LANGUAGE="es-EC,es;q=0.9"), 422)
    assert spanish["message"].startswith("No es un número de RUC válido de Ecuador. Su dígito verificador")
    assert not Partner.objects.exists()


@pytest.mark.django_db
def test_another_organizations_key_sees_none_of_acmes_partners(globex_api, acme, customer):
    assert globex_api.get("/customers").json()["items"] == []
    assert globex_api.get("/customers", {"q": "C001"}).json()["items"] == []
    assert error_of(globex_api.get(f"/customers/{customer.pk}"), 404)["code"] == "not_found"
