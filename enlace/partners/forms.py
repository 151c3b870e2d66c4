from django import forms
from django.utils.translation import gettext_lazy as _

from enlace.lib.forms import TextField, normalize_email, normalize_phone
from enlace.partners.taxids import normalize_tax_id


class PartnerForm(forms.Form):
    """The fields of a supplier or customer, validated as the imports validate them."""

    code = forms.CharField(label=_("Code"), max_length=50, required=False)
    tax_id = forms.CharField(label=_("Tax ID"), max_length=40)
    name = TextField(label=_("Name"), max_length=200)
    description = TextField(label=_("Description"), max_length=500, required=False)
    address = TextField(label=_("Address"), max_length=300, required=False)
    city = TextField(label=_("City"), max_length=100, required=False)
    province = TextField(label=_("Province"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    fax = forms.CharField(label=_("Fax"), max_length=30, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    groups = TextField(label=_("Groups"), required=False, help_text=_("Separate several groups with ; or |"))

    def __init__(self, *args, organization, email_required=False, code_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["email"].required = email_required
        self.fields["code"].required = code_required

    def clean_tax_id(self):
        return normalize_tax_id(self.organization.country, self.cleaned_data["tax_id"])

    def clean_email(self):
        value = self.cleaned_data["email"].strip()
        return normalize_email(value) if value else ""

    def clean_groups(self):
        raw = self.cleaned_data["groups"].replace("|", ";")
        return [name.strip() for name in raw.split(";") if name.strip()]

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return normalize_phone(self.organization.country, value) if value else ""
