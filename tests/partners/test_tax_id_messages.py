"""Tax-ID and national-ID errors name the country and the ID as people there do, and say what to
fix: the expected length, or the check digit the number should have."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from enlace.imports.columns import COLUMNS
from enlace.lib.forms import normalize_email, normalize_phone
from enlace.partners.taxids import normalize_personal_id, normalize_tax_id


def refusal(normalize, country, value, language="es"):
    with translation.override(language), pytest.raises(ValidationError) as error:
        normalize(country, value)
    return error.value.messages[0]


def test_a_nit_that_fails_only_its_check_digit_says_which_digit_it_should_have():
    assert refusal(normalize_tax_id, "CO", "900.123.456-7") == (
        "No es un número de NIT válido de Colombia. Su dígito verificador (el carácter 10) no "
        "corresponde a los demás: con ellos sería 8. Revise que el número se haya copiado bien."
    )
    assert normalize_tax_id("CO", "900.123.456-8") == "9001234568"


def test_a_number_of_the_wrong_length_says_the_length_of_the_id():
    assert (
        refusal(normalize_tax_id, "EC", "12345")
        == "No es un número de RUC válido de Ecuador. Debe tener 13 caracteres."
    )
    assert (
        refusal(normalize_personal_id, "PE", "1234", "en")
        == "This is not a valid DNI of Peru. It should have 8 characters."
    )
    assert refusal(normalize_tax_id, "MX", "XYZ", "en") == (
        "This is not a valid RFC of Mexico. It should have from 12 to 13 characters."
    )


@pytest.mark.parametrize("typed", ["79845123", "1.020.304.050", "79.845.123-1"])
def test_a_colombian_cedula_is_a_username_with_or_without_punctuation(typed):
    assert normalize_personal_id("CO", typed) == typed.replace(".", "").replace("-", "")


def test_every_template_example_passes_enlaces_own_validation():
    # The templates are filled for an Ecuadorian organization (the examples are Ecuadorian).
    for kind, columns in COLUMNS.items():
        for column in columns:
            if not column.example:
                continue
            if column.key == "tax_id":
                normalize_tax_id("EC", column.example)
            elif column.key == "email":
                normalize_email(column.example)
            elif column.key == "phone":
                normalize_phone("EC", column.example)
        assert any(column.example for column in columns), kind
