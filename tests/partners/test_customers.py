import pytest
from django.urls import reverse

from enlace.partners.models import Company, Partner
from enlace.partners.samples import ec_ruc


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1700000019001", "170.000.0019-001", " 1700000019001 ", "C001", "torni"])
def test_customers_are_found_by_code_tax_id_or_name(alice_client, customer, typed):
    page = alice_client.get(reverse("partners:customer_list"), {"q": typed}).content.decode()
    assert "Ferretería El Tornillo" in page


@pytest.mark.django_db
def test_a_search_without_matches_says_so(alice_client, customer):
    page = alice_client.get(reverse("partners:customer_list"), {"q": "nothing-like-this"}).content.decode()
    assert "Ningún cliente coincide" in page


@pytest.mark.django_db
def test_adding_a_customer_validates_and_normalizes_the_tax_id(alice_client, acme):
    form = {"code": "C777", "tax_id": "1700000019-001", "name": "Nuevo Cliente", "email": "X@Nuevo.example"}
    assert alice_client.post(reverse("partners:customer_create"), form).status_code == 302
    partner = Partner.objects.get(code="C777")
    assert partner.company.tax_id == ec_ruc(1) and partner.email == "x@nuevo.example"

    bad = alice_client.post(
        reverse("partners:customer_create"), {**form, "code": "C778", "tax_id": "1234567890123"}
    )
    assert bad.status_code == 200 and "No es un número de RUC válido de Ecuador" in bad.content.decode()
    again = alice_client.post(reverse("partners:customer_create"), {**form, "code": "C779"})
    assert "ya está en su lista" in again.content.decode()
    assert Partner.objects.filter(organization=acme).count() == 1


@pytest.mark.django_db
def test_one_company_is_shared_by_every_organization_that_lists_it(acme, globex):
    from enlace.partners.services import create_partner

    create_partner(organization=acme, kind=Partner.Kind.SUPPLIER, tax_id=ec_ruc(5), name="A")
    globex.country = "EC"
    globex.save()
    create_partner(organization=globex, kind=Partner.Kind.SUPPLIER, tax_id=ec_ruc(5), name="A bis")
    assert Company.objects.count() == 1


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("EC", "1710034065", "1710034065"),
        ("EC", "1790011674001", "1790011674001"),
        ("CO", "900.373.115-3", "9003731153"),
        ("CL", "76.086.428-5", "760864285"),
        ("PE", "20512333797", "20512333797"),
        ("MX", "GODE561231GR8", "GODE561231GR8"),
        ("AR", "20-26756539-3", "20267565393"),
        ("BR", " any value ", "ANY VALUE"),
    ],
)
def test_tax_ids_are_validated_and_compacted_per_country(country, typed, stored):
    from enlace.partners.taxids import normalize_tax_id

    assert normalize_tax_id(country, typed) == stored


@pytest.mark.parametrize(("country", "typed"), [("EC", "1710034066"), ("CO", "900373115-4"), ("BR", "  ")])
def test_invalid_tax_ids_are_refused(country, typed):
    from django.core.exceptions import ValidationError

    from enlace.partners.taxids import normalize_tax_id

    with pytest.raises(ValidationError):
        normalize_tax_id(country, typed)
