"""Text people read is stored in one spelling, without characters that hide or reorder it, and
addresses that mix alphabets are refused: the same through the pages' forms, the API and imports."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from enlace.accounts.forms import PortalUserForm, RegistrationForm, SupplierAccountForm
from enlace.accounts.models import User
from enlace.api.forms import ApiKeyForm
from enlace.api.keys import create_api_key
from enlace.imports.models import ImportBatch
from enlace.imports.services import import_file
from enlace.invitations.models import Invitation
from enlace.lib.forms import clean_text, mixed_script_part, normalize_email
from enlace.organizations.models import Organization
from enlace.organizations.views import SettingsForm
from enlace.partners.forms import PartnerForm
from enlace.partners.models import Partner
from enlace.partners.samples import ec_cedula, ec_ruc
from tests.api.conftest import ApiClient
from tests.imports.helpers import CUSTOMER_USERS_HEADER, CUSTOMERS_HEADER, csv_file, customer_row, person

INVISIBLE = [
    *"\u202a\u202b\u202c\u202d\u202e",
    *"\u2066\u2067\u2068\u2069",
    *"\u200e\u200f\u061c",
    *"\u200b\u200c\u200d\u2060\ufeff",
]
# "María" with a decomposed í, an invisible right-to-left override and a zero-width space.
TRICKY = "Mari\u0301a\u202e Jose\u0301\u200b"
CLEAN = "María José"
SPOOFED_EMAIL = "\u0430ct1@tornillo.example"  # a Cyrillic а before Latin letters


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_each_bidirectional_and_zero_width_character_is_removed(char):
    assert clean_text(f"Acme{char} S.A.") == "Acme S.A."


def test_text_is_stored_composed_and_plain_ascii_untouched():
    assert clean_text(TRICKY) == CLEAN and unicodedata.is_normalized("NFC", clean_text(TRICKY))
    plain = "Ferreteria El Tornillo"
    assert clean_text(plain) is plain
    assert clean_text("Ñandú 北京 😀") == "Ñandú 北京 😀"
    assert clean_text("\u200b Acme S.A. \u202e") == "Acme S.A."  # no space left at the ends


@pytest.mark.parametrize(
    "address",
    [
        "ana@tornillo.example",
        "josé@müller.de",
        "дмитрий@пример.рф",
        "田中たなか@example.jp",
        "tanaka田中@example.jp",
    ],
)
def test_addresses_in_one_alphabet_are_accepted(address):
    assert mixed_script_part(address) is None
    normalize_email(address)


@pytest.mark.parametrize(
    "address, part",
    [
        (SPOOFED_EMAIL, "\u0430ct1"),
        ("ana@t\u043ernillo.example", "t\u043ernillo"),  # a Cyrillic о in the domain
        ("\u03bfscar.ana@tornillo.example", "\u03bfscar"),  # a Greek ο
    ],
)
def test_an_address_mixing_alphabets_within_one_part_is_refused_with_a_clear_message(address, part):
    for language, words in [
        ("en", "mixes letters of different alphabets"),
        ("es", "mezcla letras de distintos"),
    ]:
        with translation.override(language):
            with pytest.raises(ValidationError) as refused:
                normalize_email(address)
            assert refused.value.code == "mixed_script"
            assert words in refused.value.messages[0] and part in refused.value.messages[0]


def form_cases(acme, customer):
    invitation = Invitation(organization=acme, partner=customer, email="ana@tornillo.example")
    return [
        (PortalUserForm(organization=acme), ["first_name", "last_name"]),
        (RegistrationForm(invitation=invitation), ["first_name", "last_name", "job_title"]),
        (SupplierAccountForm(organization=acme), ["first_name", "last_name"]),
        (PartnerForm(organization=acme), ["name", "description", "address", "city", "province", "groups"]),
        (ApiKeyForm(), ["name"]),
        (SettingsForm(instance=acme), ["name"]),
    ]


@pytest.mark.django_db
def test_every_form_cleans_the_text_people_read(acme, customer):
    for form, fields in form_cases(acme, customer):
        for name in fields:
            assert form.fields[name].clean(TRICKY) == CLEAN, (type(form).__name__, name)
    with pytest.raises(ValidationError):  # nothing but invisible characters is nothing
        PortalUserForm(organization=acme).fields["first_name"].clean("\u200b\u202e")


@pytest.mark.django_db
def test_through_the_pages(alice_client, acme, customer):
    form = {"code": "C777", "tax_id": ec_ruc(7), "name": TRICKY, "groups": f"Sierra{INVISIBLE[4]}; Costa"}
    assert alice_client.post(reverse("partners:customer_create"), form).status_code == 302
    partner = Partner.objects.get(code="C777")
    assert partner.name == CLEAN and sorted(partner.groups.values_list("name", flat=True)) == [
        "Costa",
        "Sierra",
    ]

    spoofed = alice_client.post(
        reverse("partners:customer_create"), {**form, "code": "C778", "email": SPOOFED_EMAIL}
    )
    assert spoofed.status_code == 200 and "mezcla letras de distintos alfabetos" in spoofed.content.decode()

    settings_form = {
        "name": "Acme\u202e S.A.",
        "language": "es",
        "time_zone": acme.time_zone,
        "activation_style": acme.activation_style,
        "link_lifetime_hours": 48,
        "code_lifetime_days": 30,
        "reminder_hours_before_expiry": 24,
    }
    assert alice_client.post(reverse("settings"), settings_form).status_code == 302
    assert Organization.objects.get(pk=acme.pk).name == "Acme S.A."


@pytest.mark.django_db
def test_through_the_api(acme, alice, customer):
    _, key = create_api_key(organization=acme, name="ERP", by=alice)
    api = ApiClient(key)
    created = api.post(
        "/customers", {"code": "C9", "tax_id": ec_ruc(9), "name": TRICKY, "description": TRICKY}
    )
    assert created.status_code == 201, created.content
    assert (created.json()["name"], created.json()["description"]) == (CLEAN, CLEAN)

    item = {"code": "C10", "tax_id": ec_ruc(10), "name": TRICKY, "groups": [f"Sierra{INVISIBLE[0]}"]}
    bulk = api.post("/customers/bulk", {"items": [item]}).json()
    assert bulk["status"] == "applied", bulk
    partner = Partner.objects.get(code="C10")
    assert partner.name == CLEAN and list(partner.groups.values_list("name", flat=True)) == ["Sierra"]

    user = {"username": ec_cedula(31), "customer_code": "C001", "email": "ana@tornillo.example"}
    assert api.post("/users", {**user, "first_name": TRICKY, "last_name": "Pérez"}).status_code == 201
    assert User.objects.get(email="ana@tornillo.example").first_name == CLEAN
    refused = api.post(
        "/users",
        {**user, "username": ec_cedula(32), "email": SPOOFED_EMAIL, "first_name": "A", "last_name": "B"},
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "email" and "mixes letters of different alphabets" in error["message"]


@pytest.mark.django_db
def test_through_imports(acme, alice, customer):
    people = csv_file(
        [person(1, **{"First names": TRICKY, "Last names": "P\u200be\u0301rez"})], CUSTOMER_USERS_HEADER
    )
    batch = import_file(
        organization=acme, kind=ImportBatch.Kind.CUSTOMER_USERS, file=people, filename="p.csv", by=alice
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    user = User.objects.get(email="persona1@cliente.example")
    assert (user.first_name, user.last_name) == (CLEAN, "Pérez")
    assert Invitation.objects.get(user=user).first_name == CLEAN

    customers = csv_file([customer_row(5, Name=TRICKY, Groups=f"Sierra{INVISIBLE[7]}")], CUSTOMERS_HEADER)
    batch = import_file(
        organization=acme, kind=ImportBatch.Kind.CUSTOMERS, file=customers, filename="c.csv", by=alice
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    partner = Partner.objects.get(code="C0005")
    assert partner.name == CLEAN and list(partner.groups.values_list("name", flat=True)) == ["Sierra"]

    spoofed = csv_file([person(2, Email=SPOOFED_EMAIL)], CUSTOMER_USERS_HEADER)
    with translation.override("es"):
        batch = import_file(
            organization=acme, kind=ImportBatch.Kind.CUSTOMER_USERS, file=spoofed, filename="s.csv", by=alice
        )
    assert batch.status == ImportBatch.Status.REJECTED
    [error] = batch.errors
    assert (error["key"], error["code"]) == ("email", "mixed_script")
    assert "mezcla letras de distintos alfabetos" in error["message"]
