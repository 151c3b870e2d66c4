"""Every page an admin can open without parameters passes axe-core (no serious or critical
violations) and fits a 390px phone. The pages are found from the URL configuration, so a new
page is checked as soon as it exists."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import PASSWORD
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


def test_every_page_is_accessible_and_fits_a_phone(new_page, alice, customer):
    # Plus the pages of one object that exist from the start.
    paths = sorted(set(pages())) + [f"/users/{alice.pk}/"]
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
