"""The shape of a profile (what ProfileVersion.data holds) and the name of each field as people
read it, in pages, in the history of changes and in emails."""

from django.db import models
from django.utils.translation import gettext_lazy as _

COMPANY_FIELDS = {
    "legal_name": _("Legal name"),
    "trade_name": _("Trade name"),
    "tax_regime": _("Tax regime"),
    "street": _("Street address"),
    "city": _("City"),
    "region": _("Region or province"),
    "postal_code": _("Postal code"),
    "country": _("Country"),
}
CONTACT_FIELDS = {
    "name": _("Name"),
    "role": _("Role"),
    "email": _("Email"),
    "phone": _("Phone"),
}
BANK_ACCOUNT_FIELDS = {
    "bank": _("Bank"),
    "account_type": _("Account type"),
    "number": _("Account number"),
    "currency": _("Currency"),
    "holder": _("Account holder"),
}
# A document's item also holds `id`, the public id of its stored file (profiles.models.Document),
# which no person reads: a replaced file shows as a changed file name.
DOCUMENT_FIELDS = {
    "kind": _("Kind of document"),
    "name": _("File"),
    "issued_on": _("Issue date"),
    "expires_on": _("Expiry date"),
}
# The lists of a profile, and the fields of each of their items.
SECTIONS = {"contacts": CONTACT_FIELDS, "bank_accounts": BANK_ACCOUNT_FIELDS, "documents": DOCUMENT_FIELDS}
SECTION_ITEM_NAMES = {
    "contacts": _("Contact %(number)s"),
    "bank_accounts": _("Bank account %(number)s"),
    "documents": _("Document %(number)s"),
}
BANK_ACCOUNTS = "bank_accounts"
DOCUMENTS = "documents"

# What a buyer's review comments on: each company field ("company.<name>") and each list as a whole.
REVIEW_FIELDS = {
    **{f"company.{name}": label for name, label in COMPANY_FIELDS.items()},
    "contacts": _("Contacts"),
    BANK_ACCOUNTS: _("Bank accounts"),
    DOCUMENTS: _("Documents"),
}
# A change to any of these sends an approved profile back to each buyer that approved it.
CRITICAL_FIELDS = frozenset({BANK_ACCOUNTS, "company.tax_regime"})


def review_field(section: str, field: str) -> str:
    """The REVIEW_FIELDS key of a changed field: its list, or "company.<name>"."""
    return section or f"company.{field}"


class AccountType(models.TextChoices):
    CHECKING = "checking", _("Checking")
    SAVINGS = "savings", _("Savings")


class DocumentKind(models.TextChoices):
    INCORPORATION = "incorporation", _("Certificate of incorporation")
    TAX_REGISTRATION = "tax_registration", _("Tax registration certificate")
    BANK = "bank", _("Bank certificate")
    QUALITY = "quality", _("Quality or ISO certificate")
    INSURANCE = "insurance", _("Insurance certificate")
    OTHER = "other", _("Other document")


def empty_profile(company) -> dict:
    """A company's profile before anyone saved it: the name and country it registered with."""
    data = dict.fromkeys(COMPANY_FIELDS, "")
    data.update(legal_name=company.name, country=company.country, contacts=[], bank_accounts=[], documents=[])
    return data
