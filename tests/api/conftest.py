import pytest
from django.test import Client

from enlace.api.keys import create_api_key


class ApiClient:
    """The test client speaking JSON with a bearer key, the way an ERP does."""

    def __init__(self, key=None, language="en"):
        self.client = Client()
        self.key = key
        self.language = language

    def _headers(self, headers):
        base = {"HTTP_ACCEPT_LANGUAGE": self.language}
        if self.key is not None:
            base["HTTP_AUTHORIZATION"] = f"Bearer {self.key}"
        return {**base, **headers}

    def get(self, path, params=None, **headers):
        return self.client.get("/api/v1" + path, params or {}, **self._headers(headers))

    def post(self, path, data=None, **headers):
        return self.client.post(
            "/api/v1" + path,
            data if data is not None else {},
            content_type="application/json",
            **self._headers(headers),
        )

    def patch(self, path, data=None, **headers):
        return self.client.patch(
            "/api/v1" + path, data or {}, content_type="application/json", **self._headers(headers)
        )


@pytest.fixture
def acme_key(acme, alice):
    _api_key, key = create_api_key(organization=acme, name="ERP", by=alice)
    return key


@pytest.fixture
def globex_key(globex, charlie):
    _api_key, key = create_api_key(organization=globex, name="ERP", by=charlie)
    return key


@pytest.fixture
def api(acme_key):
    """Acme's ERP."""
    return ApiClient(acme_key)


@pytest.fixture
def globex_api(globex_key):
    return ApiClient(globex_key)


def error_of(response, status):
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field", "rows"}, body
    return body["error"]
