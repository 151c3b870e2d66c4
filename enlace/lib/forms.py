"""The one statement of how people-facing text, email addresses and phone numbers are cleaned,
used alike by the pages' forms, the API (which goes through the same forms, or through an import)
and the import's row checks."""

import functools
import re
import unicodedata

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email

# Characters that change how text reads without being seen: the bidirectional controls (which
# can make "txt.exe" show as "exe.txt") and the zero-width characters (which make two equal-
# looking names differ).
INVISIBLE = re.compile(
    "["
    "\u202a-\u202e"  # LRE RLE PDF LRO RLO
    "\u2066-\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
    "\u200b-\u200d\u2060\ufeff"  # ZWSP ZWNJ ZWJ WJ BOM
    "]"
)


def clean_text(value: str) -> str:
    """Text people read (names, descriptions, job titles, group and organization names) in one
    spelling: Unicode NFC, without bidirectional controls or zero-width characters.

    Plain ASCII, most cells of most files, is returned as it is after one fast check. Callers
    strip the text first; spaces that an invisible character kept from the ends go too.
    """
    if value.isascii():
        return value
    visible = INVISIBLE.sub("", value)
    if len(visible) != len(value):
        visible = visible.strip()
    return unicodedata.normalize("NFC", visible)


class TextField(forms.CharField):
    """A CharField for text people read: clean_text runs before the required and length checks."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_text(value) if value else value


# Writing systems that one word may mix (Unicode TS #39, "highly restrictive"): Japanese, Chinese
# and Korean with Latin letters. Any other mixture inside one part of an address is refused.
ALLOWED_MIXES = (
    {"LATIN", "HAN", "HIRAGANA", "KATAKANA"},
    {"LATIN", "HAN", "BOPOMOFO"},
    {"LATIN", "HAN", "HANGUL"},
)
SCRIPT_ALIASES = {"CJK": "HAN", "KATAKANA-HIRAGANA": "KATAKANA"}
ADDRESS_PARTS = re.compile(r"[.@]")


@functools.lru_cache(maxsize=4096)
def script_of(char: str) -> str | None:
    """A letter's writing system, read from its Unicode name: "CYRILLIC SMALL LETTER A" is
    CYRILLIC. None for anything that is not a letter (digits, punctuation, marks)."""
    if not unicodedata.category(char).startswith("L"):
        return None
    words = unicodedata.name(char, "").removeprefix("FULLWIDTH ").removeprefix("HALFWIDTH ").split()
    if not words:
        return None
    return SCRIPT_ALIASES.get(words[0], words[0])


def mixed_script_part(address: str) -> str | None:
    """The first dot-separated part of an address whose letters come from more than one writing
    system (`аct1` with a Cyrillic а among Latin letters), or None."""
    if address.isascii():
        return None
    for part in ADDRESS_PARTS.split(address):
        if part.isascii():
            continue
        scripts = {script for script in map(script_of, part) if script}
        if len(scripts) > 1 and not any(scripts <= allowed for allowed in ALLOWED_MIXES):
            return part
    return None


def normalize_email(value: str) -> str:
    """A valid, normalized address (no DNS lookup), or ValidationError.

    CR/LF and other control characters (the bidirectional and zero-width ones included) are
    refused by email-validator, so an address can never smuggle a header into a message; an
    address that mixes writing systems inside one part, the look-alike of another, is refused
    here.
    """
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("This value is required."), code="required")
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(_("Enter a valid email address."), code="invalid_email") from None
    part = mixed_script_part(result.normalized)
    if part is not None:
        raise ValidationError(
            _(
                "This email address mixes letters of different alphabets in “%(part)s” (for example "
                "a Cyrillic letter among Latin ones). Type it again with the letters of one alphabet."
            ),
            code="mixed_script",
            params={"part": part},
        )
    # Mailboxes are case-insensitive in practice; one spelling keeps "already in use" honest.
    return result.normalized.lower()


def normalize_phone(country: str, value: str) -> str:
    """A phone number valid for the country (or in international form), in E.164."""
    try:
        number = phonenumbers.parse(value, country.upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
