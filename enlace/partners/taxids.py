"""Tax-ID and national-ID rules per country, on top of python-stdnum.

Each supported country lists the IDs that identify a company and those that identify a person,
named as people there name them (RUC, NIT, RUT, CUIT, RFC, cédula ...). Values are stored in
compact form (no dots, dashes or spaces), so "1790012344001", "179.001.2344-001" and
" 1790012344001 " are one company. A refused value gets a message with the country's name, the
ID's local name and, where it helps, the expected length or the check digit it should have.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from stdnum import ar, cl, co, ec, mx, pe
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

# What people and ERPs put between digits: dots, dashes, spaces, slashes.
PUNCTUATION = re.compile(r"[\s.\-/_,]")
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _DigitsOnly:
    """IDs without a check digit, which python-stdnum does not cover (a Colombian cédula de
    ciudadanía, a Peruvian DNI): digits, within the lengths the ID type declares."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def validate(self, value: str) -> str:
        if not value.isdigit() or not self.low <= len(value) <= self.high:
            raise StdnumError()
        return value


@dataclass(frozen=True)
class IdType:
    name: str  # as people in the country write it
    rule: object  # a python-stdnum module, or _DigitsOnly
    lengths: tuple[int, int]  # shortest and longest, in compact form
    letters: bool = False  # some characters may be letters (RFC, CURP)
    check_at: int = -1  # where the check digit stands, for the hint that names the right one

    def validate(self, value: str) -> str:
        return self.rule.validate(value)

    def right_check_digit(self, value: str) -> str | None:
        """The one character that, at check_at, makes `value` valid; None if not exactly one."""
        position = self.check_at % len(value)
        candidates = [
            character
            for character in (ALPHABET if self.letters else ALPHABET[:10])
            if _valid(self, value[:position] + character + value[position + 1 :])
        ]
        return candidates[0] if len(candidates) == 1 else None


def _valid(id_type, value) -> bool:
    try:
        id_type.validate(value)
    except StdnumError:
        return False
    return True


RUC_EC = IdType("RUC", ec.ruc, (13, 13), check_at=9)
CEDULA_EC = IdType("cédula", ec.ci, (10, 10))
NIT_CO = IdType("NIT", co.nit, (8, 11))
CEDULA_CO = IdType("cédula de ciudadanía", _DigitsOnly(3, 10), (3, 10))
RUC_PE = IdType("RUC", pe.ruc, (11, 11))
DNI_PE = IdType("DNI", _DigitsOnly(8, 8), (8, 8))
RUT_CL = IdType("RUT", cl.rut, (8, 9), letters=True)
RFC_MX = IdType("RFC", mx.rfc, (12, 13), letters=True)
CURP_MX = IdType("CURP", mx.curp, (18, 18), letters=True)
CUIT_AR = IdType("CUIT", ar.cuit, (11, 11))
DNI_AR = IdType("DNI", ar.dni, (7, 8))


@dataclass(frozen=True)
class Country:
    name: str
    companies: tuple  # the IDs a company may give, the usual one first
    people: tuple  # the IDs a person may give, the usual one first


COUNTRIES = {
    "EC": Country(_("Ecuador"), (RUC_EC, CEDULA_EC), (CEDULA_EC, RUC_EC)),
    "CO": Country(_("Colombia"), (NIT_CO,), (CEDULA_CO, NIT_CO)),
    "PE": Country(_("Peru"), (RUC_PE,), (DNI_PE, RUC_PE)),
    "CL": Country(_("Chile"), (RUT_CL,), (RUT_CL,)),
    "MX": Country(_("Mexico"), (RFC_MX,), (CURP_MX, RFC_MX)),
    "AR": Country(_("Argentina"), (CUIT_AR,), (DNI_AR, CUIT_AR)),
}


def names_of(id_types) -> str:
    """ "RUC or cédula", in the reader's language."""
    names = [id_type.name for id_type in id_types]
    if len(names) == 1:
        return names[0]
    return _("%(first)s or %(second)s") % {"first": ", ".join(names[:-1]), "second": names[-1]}


def company_id_names(country: str) -> str:
    known = COUNTRIES.get(country.upper())
    return names_of(known.companies) if known else str(_("tax ID"))


def person_id_names(country: str) -> str:
    known = COUNTRIES.get(country.upper())
    return names_of(known.people) if known else str(_("national ID"))


def _normalize(value: str, country: str, id_types) -> str:
    compact = PUNCTUATION.sub("", value or "").upper()
    if not compact:
        raise ValidationError(_("This value is required."), code="required")
    if not id_types:
        return (value or "").strip().upper()
    for id_type in id_types:
        try:
            return id_type.validate(compact)
        except StdnumError:
            continue
    raise ValidationError(refusal(compact, country, id_types), code="invalid_tax_id")


def refusal(compact: str, country: str, id_types) -> str:
    """Why `compact` is none of `id_types`: about the one its length fits, else the usual one."""
    fitting = [t for t in id_types if t.lengths[0] <= len(compact) <= t.lengths[1]]
    id_type = (fitting or id_types)[0]
    context = {"id": id_type.name, "country": COUNTRIES[country.upper()].name}
    headline = _("This is not a valid %(id)s of %(country)s.") % context
    if not fitting:
        low, high = id_type.lengths
        if low == high:
            detail = ngettext(
                "It should have %(count)d character.", "It should have %(count)d characters.", low
            ) % {"count": low}
        else:
            detail = _("It should have from %(low)d to %(high)d characters.") % {"low": low, "high": high}
        return f"{headline} {detail}"
    try:
        id_type.validate(compact)
    except InvalidChecksum:
        digit = id_type.right_check_digit(compact)
        if digit is not None:
            position = id_type.check_at % len(compact) + 1
            return f"{headline} " + _(
                "Its check digit (character %(position)d) does not match the others: with them it "
                "would be %(digit)s. Check that the number was copied right."
            ) % {"position": position, "digit": digit}
    except StdnumError:
        pass
    return str(headline)


def normalize_tax_id(country: str, value: str) -> str:
    """A company's tax ID in compact form, or ValidationError with a localized message."""
    known = COUNTRIES.get(country.upper())
    return _normalize(value, country, known.companies if known else ())


def tax_id_with_zeros(country: str, value: str) -> str | None:
    """The one valid company ID of the country that is `value` with zeros before it, if `value`
    is digits: what a spreadsheet leaves of an ID that starts with a zero (as Ecuador's RUCs
    of provinces 01 to 09 do) once it takes it for a number."""
    known = COUNTRIES.get(country.upper())
    value = (value or "").strip()
    if not known or not value.isdigit():
        return None
    restored = {
        padded
        for id_type in known.companies
        for length in range(len(value) + 1, id_type.lengths[1] + 1)
        if _valid(id_type, padded := value.rjust(length, "0"))
    }
    return restored.pop() if len(restored) == 1 else None


def normalize_personal_id(country: str, value: str) -> str:
    """A person's national ID or tax ID in compact form, or ValidationError."""
    known = COUNTRIES.get(country.upper())
    return _normalize(value, country, known.people if known else ())


def compact_for_search(country: str, value: str) -> str:
    """The form a typed search term is compared in: compact when the country's IDs are known."""
    if country.upper() in COUNTRIES:
        return PUNCTUATION.sub("", value).upper()
    return value.strip().upper()
