"""The live OpenAPI schema: schemathesis generates requests from it (valid and invalid ones)
and no answer may be a server error or stray from the schema; docs/api.md covers every path."""

import re
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from enlace.api.keys import create_api_key
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture
def api_schema(db, settings):
    from enlace.wsgi import application

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # the host schemathesis sends
    # As Django's test client does: the end of a request must not close the connection that
    # holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def operations():
    from enlace.api.api import api

    return [
        (path, method.upper()) for path, ops in api.get_openapi_schema()["paths"].items() for method in ops
    ]


@pytest.fixture
def acme_erp(acme, alice):
    # Something to find, so that generated ids and searches sometimes hit real rows.
    create_partner(organization=acme, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(1), code="1", name="Uno")
    create_partner(organization=acme, kind=Partner.Kind.SUPPLIER, tax_id=ec_ruc(2), code="2", name="Dos")
    _api_key, key = create_api_key(organization=acme, name="schemathesis", by=alice)
    return key


@pytest.mark.parametrize(("path", "method"), operations(), ids=lambda value: value)
def test_no_input_makes_the_api_fail(api_schema, acme_erp, path, method):
    operation = api_schema[path][method]

    # Valid requests and invalid ones (wrong types, missing fields, out-of-range values).
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)
    seen = []

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=20,
        deadline=None,
        # The same examples on every run, so that CI is repeatable; set it to False locally to
        # explore new random cases.
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {acme_erp}", "Accept-Language": "es"},
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )
        seen.append(response.status_code)

    check()
    assert seen, "schemathesis sent no request"


def test_every_path_of_the_schema_is_documented(client):
    from enlace.api.api import api

    documented = DOCS.read_text()
    paths = api.get_openapi_schema()["paths"]
    missing = []
    for path, operations in paths.items():
        for method in operations:
            line = f"{method.upper()} {path.removeprefix('/api/v1')}"
            if line not in documented:
                missing.append(line)
    assert not missing, "Not in docs/api.md:\n" + "\n".join(missing)
    # And nothing documented that the API does not have.
    listed = set(re.findall(r"^\| `(GET|POST|PATCH|PUT|DELETE) (/[^`]*)`", documented, re.M))
    real = {(m.upper(), p.removeprefix("/api/v1")) for p, ops in paths.items() for m in ops}
    assert listed <= real, listed - real
