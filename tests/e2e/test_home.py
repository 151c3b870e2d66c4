"""The home in a browser, in Spanish and English, on a desktop and a phone: every number of the
funnels opens a list with exactly that many requests."""

import re

import pytest
from playwright.sync_api import expect

from enlace.partners.models import Partner
from enlace.partners.services import create_partner
from tests.conftest import PASSWORD, ec_ruc
from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, assert_fits, shot
from tests.organizations.test_home import add_campaigns, add_reviews

pytestmark = pytest.mark.e2e

TEXT = {
    "es": {"user": "Usuario o correo electrónico", "password": "Contraseña", "log_in": "Iniciar sesión"},
    "en": {"user": "Username or email", "password": "Password", "log_in": "Log in"},
}
HEADINGS = {
    "es": [
        "Alta de proveedores",
        "Alta de usuarios de clientes",
        "Requiere atención",
        "Actividad por semana",
    ],
    "en": ["Suppliers' onboarding", "Customers' users onboarding", "Needs attention", "Activity by week"],
}


def log_in(page, language, email):
    page.goto("/login/")
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    t = TEXT[language]
    page.get_by_label(re.compile("^" + t["user"])).fill(email)
    page.get_by_label(re.compile("^" + t["password"])).fill(PASSWORD)
    page.get_by_role("button", name=t["log_in"]).click()


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_home_shows_where_onboarding_stands_and_each_number_opens_its_list(
    new_page, alice, acme, customer, language
):
    create_partner(organization=acme, kind=Partner.Kind.SUPPLIER, tax_id=ec_ruc(31), code="P1", name="Aceros")
    add_campaigns(acme, customer, 0, 16)
    add_reviews(acme, 0, 10)
    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        phone = viewport is PHONE
        page = new_page(viewport=viewport, is_mobile=phone, has_touch=phone)
        log_in(page, language, alice.email)
        for heading in HEADINGS[language]:
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
        shot(page, f"{language}-home{suffix}", doc=f"{language}/home{suffix}")
        assert_fits(page)
        assert_accessible(page)

    # Each number (the funnels', the losses', the failures' reasons) against the list it opens:
    # the activation requests, or the supplier directory for the profiles submitted and approved.
    links = page.locator("a[data-funnel]")
    numbers = [
        (links.nth(i).get_attribute("href"), int(links.nth(i).locator(".funnel-count").inner_text()))
        for i in range(links.count())
    ]
    assert len(numbers) == 19 and sum(count for _href, count in numbers) > 0
    for href, count in numbers:
        page.goto(href)
        expect(page.locator("main table tbody tr")).to_have_count(count)
