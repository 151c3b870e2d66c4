"""Tax-ID and national-ID rules per country, on top of python-stdnum.

Each country lists the stdnum modules that accept a company's tax ID and a person's national
ID. Values are stored in stdnum's compact form (no dots, dashes or spaces), so "1790012345001",
"179.001.2345-001" and " 1790012345001 " are one company.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import ar, cl, co, ec, mx, pe
from stdnum.exceptions import ValidationError as StdnumError

COMPANY_TAX_IDS = {
    "EC": (ec.ruc, ec.ci),
    "CO": (co.nit,),
    "CL": (cl.rut,),
    "PE": (pe.ruc,),
    "MX": (mx.rfc,),
    "AR": (ar.cuit,),
}

PERSONAL_IDS = {
    "EC": (ec.ci, ec.ruc),
    "CO": (co.nit,),  # the NIT of a person is their cédula plus a check digit
    "CL": (cl.rut,),
    "PE": (pe.ruc,),
    "MX": (mx.rfc, mx.curp),
    "AR": (ar.dni, ar.cuit),
}


# What people and ERPs put between digits: dots, dashes, spaces, slashes.
PUNCTUATION = re.compile(r"[\s.\-/_,]")


def _normalize(value: str, modules, message) -> str:
    value = PUNCTUATION.sub("", value or "") if modules else (value or "").strip()
    if not value:
        raise ValidationError(_("This value is required."), code="required")
    if not modules:
        return value.upper()
    for module in modules:
        try:
            return module.validate(value)
        except StdnumError:
            continue
    raise ValidationError(message, code="invalid_tax_id")


def normalize_tax_id(country: str, value: str) -> str:
    """A company's tax ID in compact form, or ValidationError with a localized message."""
    return _normalize(
        value,
        COMPANY_TAX_IDS.get(country.upper(), ()),
        _("This is not a valid tax ID for %(country)s.") % {"country": country.upper()},
    )


def normalize_personal_id(country: str, value: str) -> str:
    """A person's national ID (cédula) or tax ID in compact form."""
    return _normalize(
        value,
        PERSONAL_IDS.get(country.upper(), ()),
        _("This is not a valid national ID or tax ID for %(country)s.") % {"country": country.upper()},
    )


def compact_for_search(country: str, value: str) -> str:
    """The form a typed search term is compared in: compact when stdnum knows the country."""
    if country.upper() in COMPANY_TAX_IDS:
        return PUNCTUATION.sub("", value).upper()
    return value.strip().upper()
