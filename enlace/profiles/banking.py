"""Bank account numbers: the one statement of how a number is checked and stored.

- A number that starts with two letters is an IBAN, whatever the company's country: its check
  digits are verified by python-stdnum (stdnum.iban, which also knows each country's length).
- Mexico: an 18-digit CLABE. python-stdnum has no CLABE module, so its check digit (Banxico's
  weights 3, 7, 1, modulo 10) is computed here.
- Argentina: a 22-digit CBU, checked by python-stdnum (stdnum.ar.cbu).
- Anywhere else (Ecuador, Colombia, Peru, Chile ... have no national check digit): 4 to 34
  letters and digits.

Numbers are stored compact: without spaces, dots or dashes, letters in capitals.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban
from stdnum.ar import cbu
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

CLABE_WEIGHTS = (3, 7, 1) * 6
PLAIN_NUMBER = re.compile(r"[0-9A-Z]{4,34}")
MASK = "••••"

# ISO 4217 codes of the currencies a supplier of the network is paid in.
CURRENCIES = ("USD", "EUR", "MXN", "COP", "PEN", "CLP", "ARS", "BRL", "GBP", "CAD", "CHF", "CNY", "JPY")


def compact(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value or "").upper()


def clabe_check_digit(digits: str) -> int:
    total = sum(int(digit) * weight % 10 for digit, weight in zip(digits[:17], CLABE_WEIGHTS, strict=False))
    return (10 - total % 10) % 10


def normalize_account_number(country: str, value: str) -> str:
    """The compact number, or ValidationError with a message that says which check failed."""
    number = compact(value)
    if re.match(r"[A-Z]{2}", number):
        try:
            return iban.validate(number)
        except InvalidChecksum:
            raise ValidationError(
                _("This IBAN's check digits are wrong: check the number for a typing mistake."),
                code="iban_checksum",
            ) from None
        except StdnumError:
            raise ValidationError(
                _("This is not a valid IBAN: check its country code and its length."), code="iban_invalid"
            ) from None
    if country.upper() == "MX":
        if not re.fullmatch(r"\d{18}", number):
            raise ValidationError(_("A CLABE has exactly 18 digits."), code="clabe_invalid")
        if clabe_check_digit(number) != int(number[17]):
            raise ValidationError(
                _("This CLABE's check digit is wrong: check the number for a typing mistake."),
                code="clabe_checksum",
            )
        return number
    if country.upper() == "AR":
        try:
            return cbu.validate(number)
        except InvalidChecksum:
            raise ValidationError(
                _("This CBU's check digits are wrong: check the number for a typing mistake."),
                code="cbu_checksum",
            ) from None
        except StdnumError:
            raise ValidationError(_("A CBU has exactly 22 digits."), code="cbu_invalid") from None
    if not PLAIN_NUMBER.fullmatch(number):
        raise ValidationError(
            _("Enter the account number with 4 to 34 letters and digits."), code="account_invalid"
        )
    return number


def mask(number: str) -> str:
    """The number as a buyer's member sees it: its last four characters only."""
    return f"{MASK} {number[-4:]}" if number else ""
