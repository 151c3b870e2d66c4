"""The profile's forms, one per step: the company's fields, its contacts, its bank accounts."""

from django import forms
from django.utils.translation import gettext_lazy as _

from enlace.lib.forms import TextField, normalize_email, normalize_phone
from enlace.partners.taxids import COUNTRIES
from enlace.profiles.banking import CURRENCIES, normalize_account_number
from enlace.profiles.fields import (
    BANK_ACCOUNT_FIELDS,
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    DOCUMENT_FIELDS,
    AccountType,
    DocumentKind,
)

MAX_ITEMS = 20


def _text(fields, name, *, required=False, max_length=200):
    return TextField(label=fields[name], required=required, max_length=max_length)


class CompanyForm(forms.Form):
    legal_name = _text(COMPANY_FIELDS, "legal_name", required=True)
    trade_name = _text(COMPANY_FIELDS, "trade_name")
    tax_regime = _text(COMPANY_FIELDS, "tax_regime", max_length=100)
    street = _text(COMPANY_FIELDS, "street", max_length=300)
    city = _text(COMPANY_FIELDS, "city", max_length=100)
    region = _text(COMPANY_FIELDS, "region", max_length=100)
    postal_code = _text(COMPANY_FIELDS, "postal_code", max_length=20)
    country = forms.ChoiceField(label=COMPANY_FIELDS["country"])

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        choices = {code: country.name for code, country in COUNTRIES.items()}
        choices.setdefault(company.country, company.country)
        self.fields["country"].choices = sorted(choices.items(), key=lambda item: str(item[1]))


class ItemForm(forms.Form):
    """A contact or a bank account; `country` is the company's (phone numbers and account
    numbers are read by its rules)."""

    def __init__(self, *args, country, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country


class ContactForm(ItemForm):
    name = _text(CONTACT_FIELDS, "name", required=True)
    role = _text(CONTACT_FIELDS, "role", max_length=100)
    email = forms.CharField(label=CONTACT_FIELDS["email"], max_length=254)
    phone = forms.CharField(
        label=CONTACT_FIELDS["phone"],
        required=False,
        max_length=30,
        help_text=_("With the country code (+593 …) if it is not a number of the company's country."),
    )

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return normalize_phone(self.country, value) if value else ""


class BankAccountForm(ItemForm):
    bank = _text(BANK_ACCOUNT_FIELDS, "bank", required=True, max_length=100)
    # The selects start on a value, which the blank form for one more account posts as it is: the
    # same value as the field's initial one keeps that form blank (unchanged) rather than invalid.
    account_type = forms.ChoiceField(
        label=BANK_ACCOUNT_FIELDS["account_type"], choices=AccountType.choices, initial=AccountType.CHECKING
    )
    number = forms.CharField(
        label=BANK_ACCOUNT_FIELDS["number"],
        max_length=50,
        help_text=_("An IBAN, a CLABE in Mexico, a CBU in Argentina, or the number the bank gives."),
    )
    currency = forms.ChoiceField(
        label=BANK_ACCOUNT_FIELDS["currency"],
        choices=[(code, code) for code in CURRENCIES],
        initial=CURRENCIES[0],
    )
    holder = _text(BANK_ACCOUNT_FIELDS, "holder", required=True)

    def clean_number(self):
        return normalize_account_number(self.country, self.cleaned_data["number"])


def item_formset(form_class, items, *, country, data=None, prefix):
    """The formset of a list (one blank form more to add an item; a ticked Remove drops one)."""
    formset_class = forms.formset_factory(
        form_class, extra=1, can_delete=True, max_num=MAX_ITEMS, validate_max=True, absolute_max=MAX_ITEMS
    )
    return formset_class(data=data, initial=items, prefix=prefix, form_kwargs={"country": country})


def cleaned_items(formset) -> list[dict]:
    """The valid formset's items, in order, without the blank and the removed ones."""
    return [
        {name: value for name, value in form.cleaned_data.items() if name != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class DateInput(forms.DateInput):
    input_type = "date"


class DocumentFileForm(forms.Form):
    """A new or renewed document's file and dates (the file's own checks are profiles.uploads')."""

    file = forms.FileField(
        label=DOCUMENT_FIELDS["name"],
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    issued_on = forms.DateField(label=DOCUMENT_FIELDS["issued_on"], required=False, widget=DateInput)
    expires_on = forms.DateField(
        label=DOCUMENT_FIELDS["expires_on"],
        required=False,
        widget=DateInput,
        help_text=_("Leave it empty if the document does not expire."),
    )


class DocumentForm(DocumentFileForm):
    kind = forms.ChoiceField(label=DOCUMENT_FIELDS["kind"], choices=DocumentKind.choices)
    field_order = ["kind", "file", "issued_on", "expires_on"]
