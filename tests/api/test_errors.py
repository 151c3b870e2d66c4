import pytest
import time_machine

from tests.api.conftest import ApiClient, error_of


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_400_not_a_500(api):
    response = api.client.post(
        "/api/v1/suppliers",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )
    assert error_of(response, 400)["code"] == "invalid_json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field", "english", "spanish"),
    [
        ({"name": "X"}, "tax_id", "This value is required.", "Este valor es obligatorio."),
        ({"tax_id": 5, "name": "X"}, "tax_id", "Enter text.", "Ingrese un texto."),
        (
            {"tax_id": "1", "name": "X" * 201},
            "name",
            "Ensure this value has at most 200 characters.",
            "Asegúrese de que este valor tenga como máximo 200 caracteres.",
        ),
        ({"tax_id": "1", "name": "X", "groups": "A"}, "groups", "Send a JSON list.", "Envíe una lista JSON."),
        ({"tax_id": "1", "name": "X", "groups": [1]}, "groups.0", "Enter text.", "Ingrese un texto."),
    ],
)
def test_schema_errors_name_the_field_in_the_requested_language(api, payload, field, english, spanish):
    error = error_of(api.post("/suppliers", payload), 422)
    assert (error["code"], error["field"], error["message"]) == ("invalid", field, english)
    error = error_of(api.post("/suppliers", payload, HTTP_ACCEPT_LANGUAGE="es"), 422)
    assert error["message"] == spanish


@pytest.mark.django_db
def test_query_errors_too(api):
    error = error_of(api.get("/suppliers", {"limit": 0}), 422)
    assert (error["field"], error["message"]) == ("limit", "Ensure this value is at least 1.")
    error = error_of(api.get("/suppliers", {"limit": "many"}, HTTP_ACCEPT_LANGUAGE="es"), 422)
    assert (error["field"], error["message"]) == ("limit", "Ingrese un número entero.")


@pytest.mark.django_db
def test_unknown_paths_and_ids_answer_404_in_the_same_shape(api):
    assert error_of(api.get("/suppliers/999999"), 404)["message"] == "Not found."
    assert (
        error_of(api.get("/suppliers/999999", HTTP_ACCEPT_LANGUAGE="es"), 404)["message"] == "No encontrado."
    )


@pytest.mark.django_db
def test_past_the_rate_limit_a_key_gets_429_with_retry_after(settings, acme_key, globex_key):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    acme, globex = ApiClient(acme_key), ApiClient(globex_key)
    with time_machine.travel("2026-03-02 10:00:15 +0000", tick=False):
        assert [acme.get("/suppliers").status_code for _ in range(3)] == [200, 200, 200]
        response = acme.get("/suppliers")
        error = error_of(response, 429)
        assert error["code"] == "rate_limited" and response["Retry-After"] == "45"
        assert "45" in error["message"]
        # Each key counts on its own.
        assert globex.get("/suppliers").status_code == 200
    with time_machine.travel("2026-03-02 10:01:01 +0000", tick=False):
        assert acme.get("/suppliers").status_code == 200


@pytest.mark.django_db
def test_the_reference_page_loads_with_a_csp_relaxed_for_it_only(client, api):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.content.decode()
    assert "'unsafe-inline'" in docs["Content-Security-Policy"]
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200 and "'unsafe-inline'" not in schema["Content-Security-Policy"]
    assert "'unsafe-inline'" not in api.get("/suppliers")["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "param"),
    [("/suppliers", "q"), ("/suppliers", "group"), ("/users", "q"), ("/invitations", "email")],
)
def test_a_nul_character_in_a_filter_is_bad_input(api, path, param):
    # PostgreSQL refuses NUL in text: found by schemathesis as a server error.
    error = error_of(api.get(path, {param: "a\x00b"}), 422)
    assert error["field"] == param
