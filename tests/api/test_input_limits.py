"""Input the API refuses with its own JSON error, never an HTML page or a server error: bodies
past the size limit, requests Django cannot read, and values of the wrong type."""

import pytest
from django.conf import settings

from enlace.partners.samples import ec_ruc
from tests.api.conftest import ApiClient, error_of


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/customers", "/suppliers/bulk", "/users"])
def test_a_body_past_the_size_limit_gets_the_json_error(api, path):
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = api.post(path, {"name": padding})
    error = error_of(response, 413)
    assert error["code"] == "too_large" and "2.5 MB" in error["message"]


@pytest.mark.django_db
def test_the_size_error_is_in_the_callers_language(acme_key):
    spanish = ApiClient(acme_key, language="es")
    response = spanish.post("/customers", {"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    assert "límite de 2.5 MB" in error_of(response, 413)["message"]


@pytest.mark.django_db
def test_a_multipart_body_without_its_boundary_gets_the_json_error(api):
    response = api.client.post(
        "/api/v1/imports",
        data=b"--x\r\nnothing",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )
    assert error_of(response, 400)["code"] == "invalid_request"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["1700000000", "1700000000.5", "-1", "0", "yesterday", ""])
def test_updated_since_refuses_numbers_and_anything_but_iso_8601(api, customer, value):
    error = error_of(api.get("/customers", {"updated_since": value}), 422)
    assert error["field"] == "updated_since"
    assert error["message"] == "Enter a date and time in ISO 8601 form."


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["2026-01-02", "2026-01-02T03:04:05Z", "2026-01-02T03:04:05.123+05:00"])
def test_updated_since_takes_iso_8601(api, customer, value):
    assert api.get("/customers", {"updated_since": value}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("value", [1, 0, "true", "1", "yes", "on", None])
def test_notify_refuses_anything_but_true_or_false(api, acme, value):
    item = {"tax_id": ec_ruc(601), "name": "Prov 1", "email": "p1@prov.example", "notify": value}
    error = error_of(api.post("/suppliers/bulk", {"items": [item]}), 422)
    assert error["field"] == "items.0.notify" and error["message"] == "Enter true or false."


@pytest.mark.django_db
@pytest.mark.parametrize("value", [True, False])
def test_notify_takes_true_and_false(api, acme, value):
    item = {"tax_id": ec_ruc(601), "name": "Prov 1", "email": "p1@prov.example", "notify": value}
    response = api.post("/suppliers/bulk", {"items": [item]})
    assert response.status_code == 200 and response.json()["invitations"] == int(value)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/customers/99999999999999999999", "/suppliers/99999999999999999999"])
def test_an_id_too_large_for_the_database_is_a_422(api, path):
    assert error_of(api.get(path), 422)["field"] == "partner_id"
