"""Every page an admin can open without parameters passes axe-core (no serious or critical
violations) and fits a 390px phone. The pages are found from the URL configuration, so a new
page is checked as soon as it exists."""

import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from enlace.accounts.services import create_customer_user
from enlace.accounts.supplier_invitations import invite_partner
from enlace.imports.models import ImportBatch
from enlace.imports.services import import_file
from enlace.partners.models import Partner, PartnerGroup
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.conftest import PASSWORD, ec_cedula, run_worker
from tests.e2e.conftest import PHONE, assert_accessible, assert_fits

pytestmark = pytest.mark.e2e

# Actions (POST only), fragments for htmx, and the JSON API: not pages a person reads.
NOT_PAGES = {"logout", "org_switch", "set_language", "customer_options"}
NOT_UNDER = ("api/v1/",)


def pages(patterns=None, prefix=""):
    """The paths of the URL patterns that take no parameters."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if "<" in route or route.startswith(NOT_UNDER) or "^" in route:
            continue
        if isinstance(entry, URLResolver):
            yield from pages(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and entry.name not in NOT_PAGES:
            yield "/" + route


def fill_lists(organization, admin, customer):
    """Something in every list (rows, badges, long addresses), so more than empty states is checked."""
    person = create_customer_user(
        organization=organization,
        by=admin,
        username=ec_cedula(950),
        partner=customer,
        email="maria.fernanda.villavicencio@ferreteria-el-tornillo.example",
        first_name="María Fernanda",
        last_name="Villavicencio Zambrano",
    )
    for number, name in [(21, "Distribuidora Andina del Pacífico y la Sierra S.A."), (22, "Vidrios Norte")]:
        supplier = create_partner(
            organization=organization,
            kind=Partner.Kind.SUPPLIER,
            tax_id=ec_ruc(number),
            name=name,
            email=f"ventas{number}@proveedor.example",
        )
    invite_partner(organization=organization, partner=supplier, emails=[supplier.email], by=admin)
    batch = import_file(
        organization=organization,
        kind=ImportBatch.Kind.CUSTOMER_USERS,
        file=io.BytesIO(b"Customer code*,First names*,Last names*,Email*\nC999,Ana,Torres,not-an-email\n"),
        filename="people.csv",
        by=admin,
    )
    applied = import_file(
        organization=organization,
        kind=ImportBatch.Kind.CUSTOMER_USERS,
        file=io.BytesIO(
            b"Customer code*,First names*,Last names*,Email*\nC001,Ana,Torres,ana@tornillo.example\n"
        ),
        filename="people-ok.csv",
        by=admin,
    )
    group = PartnerGroup.objects.create(organization=organization, name="Sierra")
    group.partners.add(supplier)
    run_worker()
    return [
        f"/imports/{applied.pk}/",
        f"/groups/{group.pk}/",
        f"/users/{person.pk}/",
        f"/users/{person.pk}/edit/",
        f"/users/{admin.pk}/",
        f"/imports/{batch.pk}/",
        f"/suppliers/{supplier.pk}/invite/",
        f"/suppliers/{supplier.pk}/added/",
    ]


def test_every_page_is_accessible_and_fits_a_phone(new_page, alice, customer):
    # Plus the pages of one object each.
    paths = sorted(set(pages())) + fill_lists(customer.organization, alice, customer)
    assert {"/users/", "/users/new/", "/customers/", "/login/", "/activate/"} <= set(paths)
    page = new_page()
    page.goto("/login/")
    page.locator("#id_username").fill(alice.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/")
    checked = []
    for path in paths:
        response = page.request.get(path)
        readable = response.ok or response.status == 410  # 410: "this link is no longer valid"
        if not readable or not response.headers.get("content-type", "").startswith("text/html"):
            continue  # a download, or an action refusing GET
        page.set_viewport_size(PHONE)
        page.goto(path)
        assert_fits(page)
        page.set_viewport_size({"width": 1280, "height": 860})
        assert_accessible(page)
        checked.append(path)
    assert {"/", "/users/", "/users/new/", "/customers/", "/customers/new/", "/activate/"} <= set(checked)
