"""Who reads a company's profile: its own people and the staff of the buyers it supplies, bank
account numbers in full for admins and masked for members; everyone else gets 404."""

import pytest
from django.test import Client
from django.urls import reverse

from enlace.profiles.models import ProfileVersion
from tests.conftest import make_staff
from tests.partners.suppliers import add_supplier
from tests.profiles.conftest import browser_of
from tests.profiles.helpers import bank_account, contact, post_company, post_items

NUMBER = "2100123456"
OWN_URLS = [
    reverse("profiles:overview"),
    reverse("profiles:edit_company"),
    reverse("profiles:edit_contacts"),
    reverse("profiles:edit_bank_accounts"),
]


@pytest.fixture
def filled(rosa_client, steel):
    post_company(rosa_client)
    post_items(rosa_client, "contacts", [contact()])
    post_items(rosa_client, "bank_accounts", [bank_account()])
    post_items(rosa_client, "bank_accounts", [bank_account(number="2100999988")])
    return steel


def profile_url(partner):
    return reverse("profiles:supplier_profile", args=[partner.pk])


@pytest.mark.django_db
def test_a_buyers_admin_reads_the_profile_and_what_changed_in_each_version(alice_client, filled):
    page = alice_client.get(profile_url(filled)).content.decode()
    assert "Aceros del Sur S.A." in page and "rosa@aceros.example" in page and "+593991234567" in page
    assert "2100999988" in page  # in full, for an admin
    assert "Versión 4" in page and "Versión 1" in page
    # Version 4 against version 3: the account number, before and after.
    version_4 = page[page.index('id="version-4"') : page.index('id="version-3"')]
    assert "Cuenta bancaria 1 · Número de cuenta" in version_4
    assert NUMBER in version_4 and "2100999988" in version_4
    assert "Ciudad" not in version_4


@pytest.mark.django_db
def test_the_directory_links_a_registered_supplier_to_its_profile(alice_client, filled):
    page = alice_client.get(reverse("partners:supplier_list")).content.decode()
    assert profile_url(filled) in page


@pytest.mark.django_db
def test_a_buyers_member_reads_account_numbers_masked_even_in_the_history(acme, bob, filled):
    page = browser_of(bob).get(profile_url(filled)).content.decode()
    assert "Aceros del Sur S.A." in page
    assert NUMBER not in page and "2100999988" not in page
    assert "•••• 3456" in page and "•••• 9988" in page
    assert "los administradores de su organización los leen completos" in page


@pytest.mark.django_db
def test_the_companys_people_read_their_numbers_in_full(rosa_client, filled):
    assert "2100999988" in rosa_client.get(reverse("profiles:overview")).content.decode()


@pytest.mark.django_db
def test_a_person_brought_in_by_another_buyer_edits_the_same_profile(tom, filled):
    browser = browser_of(tom)
    assert "2100999988" in browser.get(reverse("profiles:overview")).content.decode()
    post_company(browser, city="Cuenca")
    latest = ProfileVersion.objects.filter(company=filled.company).first()
    assert (latest.number, latest.author, latest.data["city"]) == (5, tom, "Cuenca")


@pytest.mark.django_db
def test_the_other_buyer_of_the_company_reads_it_too(initech, steel_at_initech, filled):
    admin = make_staff("ines@initech.example", initech)
    page = browser_of(admin).get(profile_url(steel_at_initech)).content.decode()
    assert "Aceros del Sur S.A." in page and "2100999988" in page


@pytest.mark.django_db
def test_nobody_else_reads_anything(acme, globex, charlie, luis, customer, alice_client, filled):
    """Another buyer (not connected), another supplier's person, a customer partner's page,
    and a stranger: 404 (or the sign-in page) on every URL, and nothing of the profile."""
    other_supplier = add_supplier(acme, 3, name="Sin Perfil")
    outsiders = {
        "another buyer's admin": browser_of(charlie),
        "another supplier's person": browser_of(luis),
    }
    for who, browser in outsiders.items():
        response = browser.get(profile_url(filled))
        assert response.status_code == 404, who
        assert "Aceros" not in response.content.decode(), who
    # Another supplier's person on their own pages sees their company, never this one.
    for url in OWN_URLS:
        page = outsiders["another supplier's person"].get(url).content.decode()
        assert "2100999988" not in page and "Aceros" not in page
    # A buyer's admin has no company of its own to edit, and no other buyer's partner ids work.
    for url in OWN_URLS:
        assert outsiders["another buyer's admin"].get(url).status_code == 404
    # A customer is no supplier: its id answers 404 even to the buyer's admin.
    assert alice_client.get(profile_url(customer)).status_code == 404
    stranger = Client()
    for url in [*OWN_URLS, profile_url(filled)]:
        response = stranger.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    # Posting to the edit steps as an outsider changes nothing.
    assert post_company(outsiders["another buyer's admin"], city="X").status_code == 404
    assert ProfileVersion.objects.filter(company=filled.company).count() == 4
    assert not ProfileVersion.objects.filter(company=other_supplier.company).exists()


@pytest.mark.django_db
def test_a_buyer_reads_what_changed_since_the_version_it_chooses(alice_client, acme, bob, filled):
    post_company(browser_of_rosa(filled), city="Cuenca")
    page = alice_client.get(profile_url(filled), {"since": 2}).content.decode()
    since = page[page.index('id="since-heading"') : page.index('id="profile-company"')]
    assert "Qué cambió desde la versión 2" in since
    assert "Ciudad" in since and "Quito" in since and "Cuenca" in since
    assert "Cuenta bancaria 1" in since and "2100999988" in since
    assert "Contacto 1" not in since  # unchanged since version 2
    # A member compares too, with the numbers masked.
    page = browser_of(bob).get(profile_url(filled), {"since": 2}).content.decode()
    assert "•••• 9988" in page and "2100999988" not in page
    # A version that does not exist, or no number, shows the page without a comparison.
    for since in ("99", "abc", ""):
        response = alice_client.get(profile_url(filled), {"since": since})
        assert response.status_code == 200 and "Qué cambió desde" not in response.content.decode()


def browser_of_rosa(partner):
    return browser_of(partner.users.get(email="rosa@aceros.example"))
