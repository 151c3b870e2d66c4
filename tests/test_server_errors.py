"""No input makes a server error: every URL pattern of the project, with sample values in its
parameters (the ids of another organization's real objects, ids that name nothing, numbers too
large for the database, slugs, tokens), answers an empty GET and an empty POST without a 5xx,
unauthenticated and as the admin of another organization, with DEBUG off.

The patterns are read from the URL configuration, so a new page or API operation is swept as
soon as it exists; a pattern whose parameter has no sample fails the test until one is added.
"""

import collections
import io
import itertools
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from enlace.accounts.services import create_customer_user
from enlace.accounts.supplier_invitations import invite_partner
from enlace.api.keys import create_api_key
from enlace.api.models import WebhookEndpoint
from enlace.api.webhooks import emit
from enlace.imports.models import ImportBatch
from enlace.imports.services import import_file
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.conftest import ec_cedula

PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
TOO_LARGE = "99999999999999999999"  # past a 64-bit integer
NOTHING = "999999"


@pytest.fixture
def acme_objects(acme, alice, customer):
    """One object of each kind a URL names, all Acme's: the other organization's admin must get
    a 4xx for each, never a 5xx."""
    user = create_customer_user(
        organization=acme, by=alice, username=ec_cedula(41), partner=customer, email="ana@tornillo.example"
    )
    supplier = create_partner(
        organization=acme,
        kind=Partner.Kind.SUPPLIER,
        tax_id=ec_ruc(42),
        name="Proveedor",
        email="ventas@proveedor.example",
    )
    invite_partner(organization=acme, partner=supplier, emails=[supplier.email], by=alice)
    batch = import_file(
        organization=acme,
        kind=ImportBatch.Kind.CUSTOMER_USERS,
        file=io.BytesIO(b"Customer code*,First names*,Last names*,Email*\nC001,Ana,T,nope\n"),
        filename="people.csv",
        by=alice,
    )
    api_key, _key = create_api_key(organization=acme, name="ERP", by=alice)
    endpoint = WebhookEndpoint.objects.create(
        organization=acme, url="https://erp.acme.example/hooks", events=["invitation.sent"]
    )
    emit(acme, "invitation.sent", {"x": 1})
    return {
        "user": user.pk,
        "supplier": supplier.pk,
        "customer": customer.pk,
        "invitation": user.invitations.get().pk,
        "batch": batch.pk,
        "key": api_key.pk,
        "webhook": endpoint.pk,
    }


def object_for(url_name: str, parameter: str) -> str:
    """Which of Acme's objects a URL's id parameter names (`url_name`: its name and route)."""
    if parameter in {"user_id", "invitation_id", "batch_id"}:
        return parameter.removesuffix("_id")
    if parameter == "partner_id":
        return "supplier" if "supplier" in url_name else "customer"
    for word, kind in [
        ("user", "user"),
        ("supplier", "supplier"),
        ("key", "key"),
        ("webhook", "webhook"),
        ("imports:", "batch"),
        ("invitations:", "invitation"),
    ]:
        if word in url_name:
            return kind
    return ""


def samples(url_name: str, converter: str, parameter: str, objects: dict) -> list[str]:
    if parameter == "index":
        return ["0", NOTHING]
    if converter == "int" or parameter == "pk" or parameter.endswith("_id"):
        own = object_for(url_name, parameter)
        found = [str(objects[own])] if own else []
        return [*found, NOTHING] if converter == "int" else [*found, NOTHING, TOO_LARGE, "abc"]
    if parameter == "token":
        return ["not-a-token", "x" * 300]
    if parameter == "fmt":
        return ["csv", "xlsx", "pdf"]
    if parameter == "slug":
        return ["customers", "customer-users", "suppliers", "nope"]
    if parameter == "extension":
        return ["xlsx", "csv"]
    if converter == "uuid":
        return ["00000000-0000-4000-8000-000000000000"]
    if parameter == "question":
        return ["00000000-0000-4000-8000-000000000000", "not-a-key"]
    raise AssertionError(f"{url_name}: no sample for the parameter <{converter}:{parameter}>")


def url_patterns(entries=None, route="", namespace="", regex=False):
    """(qualified name, route, whether a regex is on the way) of every URL pattern."""
    for entry in get_resolver().url_patterns if entries is None else entries:
        part = str(entry.pattern)
        is_regex = regex or isinstance(entry.pattern, RegexPattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, route + part, inner, is_regex)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield name, route + part, is_regex


def paths_of(name: str, route: str, is_regex: bool, objects: dict) -> list[str]:
    where = f"{name} {route}"
    if is_regex:
        assert name, f"{route}: a regular expression pattern needs a name to be reversed"
        parameters = sorted(set(re.findall(r"\(\?P<(\w+)>", route)))
        choices = [samples(where, "str", p, objects) for p in parameters]
        return [
            reverse(name, kwargs=dict(zip(parameters, values, strict=True)))
            for values in itertools.product(*choices)
        ]
    found = PARAMETER.findall(route)
    choices = [samples(where, converter or "str", parameter, objects) for converter, parameter in found]
    texts = PARAMETER.split(route)[:: len(PARAMETER.groupindex) + 1]  # around the parameters
    return [
        "/" + texts[0] + "".join(value + text for value, text in zip(values, texts[1:], strict=True))
        for values in itertools.product(*choices)
    ]


def every_path(objects: dict) -> tuple[int, list[str]]:
    patterns = list(url_patterns())
    paths = []
    for name, route, is_regex in patterns:
        paths += paths_of(name, route, is_regex, objects)
    return len({route for _name, route, _regex in patterns}), sorted(set(paths))


def test_routes_are_read_from_the_url_configuration():
    routes = {route for _name, route, _regex in url_patterns()}
    assert {"users/<int:pk>/", "api/v1/suppliers/<partner_id>", "imports/<int:pk>/errors.xlsx"} <= routes


@pytest.mark.django_db
def test_no_url_answers_a_server_error_to_an_empty_get_or_post(settings, acme_objects, charlie, globex):
    settings.DEBUG = False
    _globex_api_key, globex_key = create_api_key(organization=globex, name="ERP", by=charlie)
    routes, paths = every_path(acme_objects)
    assert routes > 50 and len(paths) > routes

    server_errors, statuses = [], collections.Counter()
    for path, method, actor in itertools.product(paths, ("get", "post"), ("anonymous", "other admin")):
        client = Client(raise_request_exception=False)
        headers = {}
        if actor == "other admin":
            client.force_login(charlie)
            headers["HTTP_AUTHORIZATION"] = f"Bearer {globex_key}"
        response = getattr(client, method)(path, **headers)
        statuses[actor, response.status_code] += 1
        if response.status_code >= 500:
            server_errors.append(f"{method.upper()} {path} ({actor}): {response.status_code}")
    requests = len(paths) * 4
    print(
        f"\n{len(server_errors)} of {requests} requests to {routes} URL patterns ({len(paths)} paths) got 5xx"
    )
    assert not server_errors, "\n".join(server_errors)
    # The other admin got past the login to pages and to the API: the sweep reached the views.
    assert statuses["other admin", 200] > 20 and statuses["other admin", 404] > 20
