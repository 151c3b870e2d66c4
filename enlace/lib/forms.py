import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email


def normalize_email(value: str) -> str:
    """A valid, normalized address (no DNS lookup), or ValidationError.

    CR/LF and other control characters are refused by email-validator, so an address can never
    smuggle a header into a message.
    """
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("This value is required."), code="required")
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(_("Enter a valid email address."), code="invalid_email") from None
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
