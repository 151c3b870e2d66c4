"""A supplier's person fills the company profile, step by step; each save is a version, and the
history says what changed."""

import pytest
from django.urls import reverse

from enlace.audit.models import AuditEvent
from enlace.partners.models import Partner
from enlace.partners.services import create_partner
from enlace.profiles.changes import changes_between
from enlace.profiles.models import ProfileVersion
from tests.conftest import make_org
from tests.profiles.conftest import browser_of, make_supplier_person
from tests.profiles.helpers import bank_account, contact, post_company, post_items

OVERVIEW = reverse("profiles:overview")


@pytest.mark.django_db
def test_each_step_saves_a_new_version_with_its_author(rosa_client, rosa, steel):
    assert post_company(rosa_client).url == OVERVIEW
    assert post_items(rosa_client, "contacts", [contact()]).url == OVERVIEW
    assert post_items(rosa_client, "bank_accounts", [bank_account()]).url == OVERVIEW
    versions = list(ProfileVersion.objects.filter(company=steel.company).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert {v.author for v in versions} == {rosa}
    data = versions[-1].data
    assert data["legal_name"] == "Aceros del Sur S.A." and data["city"] == "Quito"
    assert data["contacts"] == [contact(phone="+593991234567")]  # stored in E.164
    assert data["bank_accounts"] == [bank_account()]
    page = rosa_client.get(OVERVIEW).content.decode()
    assert "Versión 3" in page and "Banco Pichincha" in page and "2100123456" in page


@pytest.mark.django_db
def test_saving_without_changes_writes_no_version(rosa_client, steel):
    post_company(rosa_client)
    response = post_company(rosa_client)
    assert ProfileVersion.objects.filter(company=steel.company).count() == 1
    assert "No hubo cambios." in rosa_client.get(response.url).content.decode()


@pytest.mark.django_db
def test_the_forms_start_from_the_current_profile(rosa_client):
    post_company(rosa_client, city="Guayaquil")
    post_items(rosa_client, "contacts", [contact(name="Ana Ruiz")])
    assert 'value="Guayaquil"' in rosa_client.get(reverse("profiles:edit_company")).content.decode()
    assert 'value="Ana Ruiz"' in rosa_client.get(reverse("profiles:edit_contacts")).content.decode()


@pytest.mark.django_db
def test_a_ticked_delete_removes_an_item(rosa_client, steel):
    post_items(rosa_client, "contacts", [contact(), contact(name="Ana Ruiz", email="ana@aceros.example")])
    post_items(
        rosa_client, "contacts", [contact(DELETE="on"), contact(name="Ana Ruiz", email="ana@aceros.example")]
    )
    latest = ProfileVersion.objects.filter(company=steel.company).first()
    assert [c["name"] for c in latest.data["contacts"]] == ["Ana Ruiz"]


@pytest.mark.django_db
def test_changes_between_names_each_changed_field_and_each_added_or_removed_item(rosa_client, steel):
    post_company(rosa_client)
    post_items(rosa_client, "bank_accounts", [bank_account()])
    post_company(rosa_client, city="Cuenca")
    post_items(rosa_client, "bank_accounts", [bank_account(number="9999888877")])
    post_items(rosa_client, "bank_accounts", [bank_account(number="9999888877", DELETE="on")])
    v1, v2, v3, v4, v5 = ProfileVersion.objects.filter(company=steel.company).order_by("number")
    [added] = changes_between(v1, v2)
    assert (added.section, added.number, added.kind, added.new["bank"]) == (
        "bank_accounts",
        1,
        "added",
        "Banco Pichincha",
    )
    [city] = changes_between(v2, v3)
    assert (city.field, city.old, city.new) == ("city", "Quito", "Cuenca")
    [number] = changes_between(v3, v4)
    assert (number.field, number.old, number.new) == ("number", "2100123456", "9999888877")
    [removed] = changes_between(v4, v5)
    assert removed.kind == "removed" and removed.old["number"] == "9999888877"
    # Against version 1, everything since: the city and the account (which is gone again).
    assert [c.field for c in changes_between(v1, v5)] == ["city"]
    assert {c.field for c in changes_between(None, v1)} >= {"legal_name", "city", "street"}


@pytest.mark.django_db
def test_each_save_is_audited_and_a_bank_change_has_its_own_event(rosa_client, rosa, acme):
    post_company(rosa_client)
    post_items(rosa_client, "bank_accounts", [bank_account()])
    events = list(AuditEvent.objects.filter(organization=acme, user=rosa).values_list("action", "detail"))
    assert [action for action, _ in events] == ["profile_changed", "profile_changed", "bank_changed"]
    assert events[1][1] == "Aceros del Sur, v2: bank_accounts"


def _refusal(browser, response):
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "iban", "phone", "email"),
    [
        (
            "es",
            "Los dígitos de control de este IBAN no son correctos",
            "Ingrese un número de teléfono válido.",
            "Ingrese un correo electrónico válido.",
        ),
        (
            "en",
            "This IBAN&#x27;s check digits are wrong",
            "Enter a valid phone number.",
            "Enter a valid email address.",
        ),
    ],
)
def test_bad_numbers_and_addresses_are_refused_with_a_message_in_the_persons_language(
    rosa, steel, language, iban, phone, email
):
    rosa.language = language
    rosa.save()
    browser = browser_of(rosa)
    page = _refusal(
        browser, post_items(browser, "bank_accounts", [bank_account(number="ES91 2100 0418 4502 0005 1333")])
    )
    assert iban in page
    page = _refusal(browser, post_items(browser, "contacts", [contact(phone="12")]))
    assert phone in page
    page = _refusal(browser, post_items(browser, "contacts", [contact(email="rosa@@aceros")]))
    assert email in page
    assert not ProfileVersion.objects.exists()


@pytest.mark.django_db
def test_a_right_iban_is_kept_compact(rosa_client, steel):
    post_items(
        rosa_client, "bank_accounts", [bank_account(number="es91 2100 0418 4502 0005 1332", currency="EUR")]
    )
    assert ProfileVersion.objects.get().data["bank_accounts"][0]["number"] == "ES9121000418450200051332"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("es", "El dígito de control de esta CLABE no es correcto"),
        ("en", "This CLABE&#x27;s check digit is wrong"),
    ],
)
def test_a_mexican_company_gives_a_clabe_whose_check_digit_is_verified(db, language, message):
    buyer = make_org("mexa", country="MX", language=language)
    partner = create_partner(
        organization=buyer, kind=Partner.Kind.SUPPLIER, tax_id="AAA010101AAA", name="Acero MX"
    )
    browser = browser_of(make_supplier_person(partner, "eva@acero.example", "Eva"))
    page = _refusal(
        browser,
        post_items(browser, "bank_accounts", [bank_account(number="032180000118359718", currency="MXN")]),
    )
    assert message in page
    response = post_items(
        browser, "bank_accounts", [bank_account(number="032180000118359719", currency="MXN")]
    )
    assert response.status_code == 302
    assert ProfileVersion.objects.get().data["bank_accounts"][0]["number"] == "032180000118359719"


@pytest.mark.django_db
def test_an_argentine_cbu_is_checked_by_its_check_digits(db):
    buyer = make_org("arga", country="AR", language="en")
    partner = create_partner(
        organization=buyer, kind=Partner.Kind.SUPPLIER, tax_id="20267565393", name="Acero AR"
    )
    browser = browser_of(make_supplier_person(partner, "eva@acero.example", "Eva"))
    page = _refusal(
        browser,
        post_items(browser, "bank_accounts", [bank_account(number="2850590940090418135202", currency="ARS")]),
    )
    assert "This CBU&#x27;s check digits are wrong" in page
    assert (
        post_items(
            browser, "bank_accounts", [bank_account(number="2850590940090418135201", currency="ARS")]
        ).status_code
        == 302
    )


@pytest.mark.django_db
def test_the_buyers_admin_reads_the_changes_in_the_persons_timeline(rosa_client, rosa, alice_client):
    post_items(rosa_client, "bank_accounts", [bank_account()])
    page = alice_client.get(reverse("accounts:user_detail", args=[rosa.pk])).content.decode()
    assert "Perfil de la empresa cambiado" in page and "Cuentas bancarias de la empresa cambiadas" in page
