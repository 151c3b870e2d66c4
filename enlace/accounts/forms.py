from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from enlace.accounts.models import User
from enlace.accounts.services import email_in_use, login_refusal
from enlace.invitations.models import Invitation
from enlace.lib.forms import TextField, normalize_email, normalize_phone
from enlace.partners.models import Partner
from enlace.partners.taxids import normalize_personal_id, person_id_names


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        refusal = login_refusal(user)
        if refusal:
            raise ValidationError(refusal, code="refused")


class ChoosePasswordForm(forms.Form):
    """The two password fields of every form where a person chooses a password; they must match.
    Django's validators run in the service that sets it (or in a subclass's clean)."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if "password2" in self.fields and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error(
                "password2", ValidationError(_("The two passwords do not match."), code="mismatch")
            )
        return cleaned


def ask_account_password(form) -> None:
    """For a person who already has an account: one field, their account's password, instead of
    choosing one (joining.accept checks it)."""
    del form.fields["password2"]
    field = form.fields["password1"]
    field.label = _("Password of your Enlace account")
    field.help_text = _("You already have an Enlace account with this email: sign in with its password.")
    field.widget.attrs["autocomplete"] = "current-password"


class AccountPasswordForm(ChoosePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ask_account_password(self)


class NewPasswordForm(ChoosePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("New password")
        self.fields["password2"].label = _("Repeat the new password")


def current_password_field():
    return forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ChangePasswordForm(NewPasswordForm):
    """My account: the current password, then the new one twice."""

    current_password = current_password_field()
    field_order = ["current_password", "password1", "password2"]


class ChangeEmailForm(forms.Form):
    """My account: the new address, and the current password to prove it is the person."""

    new_email = forms.CharField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = current_password_field()

    def clean_new_email(self):
        return normalize_email(self.cleaned_data["new_email"])


# Each language in its own words, as the header's switch offers it: found whatever the page speaks.
LANGUAGE_NAMES = {"es": "Español", "en": "English"}


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[(code, LANGUAGE_NAMES.get(code, name)) for code, name in settings.LANGUAGES],
        widget=forms.RadioSelect,
    )


CUSTOMERS_OFFERED = 50


def customer_label(partner) -> str:
    return f"{partner.code} · {partner.name} ({partner.company.tax_id})"


def explain_username(form, organization) -> None:
    form.fields["username"].help_text = _("The person's %(ids)s, with or without dots and dashes.") % {
        "ids": person_id_names(organization.country)
    }


def offer_customers(form, organization) -> None:
    """The choice of one of the organization's customers. A customer master can hold tens of
    thousands of rows: the first ones and the chosen one are offered; the search box above the
    list (htmx) brings the rest."""
    customers = Partner.objects.filter(organization=organization, kind=Partner.Kind.CUSTOMER)
    field = form.fields["customer"]
    field.queryset = customers
    chosen_pk = form["customer"].value() or None
    chosen = customers.filter(pk=chosen_pk) if chosen_pk and str(chosen_pk).isdigit() else customers.none()
    offered = list(chosen) + [c for c in customers.select_related("company")[:CUSTOMERS_OFFERED]]
    field.widget.choices = [("", "---------")] + [(c.pk, customer_label(c)) for c in dict.fromkeys(offered)]


def clean_username(form, value: str, *, person=None) -> str:
    """A national ID of the organization's country, compact, that none of its other people has."""
    value = normalize_personal_id(form.organization.country, value)
    others = User.objects.filter(organization=form.organization, username=value)
    if person is not None:
        others = others.exclude(pk=person.pk)
    if others.exists():
        raise ValidationError(_("A user with this username already exists."), code="taken")
    return value


class PortalUserForm(forms.Form):
    """The admin's "Add portal user" form. The admin never sees or sets a password."""

    username = forms.CharField(label=_("Username"), max_length=40)
    profile = forms.ChoiceField(
        label=_("Profile"), choices=[(User.Profile.CUSTOMER, User.Profile.CUSTOMER.label)]
    )
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Partner.objects.none())
    first_name = TextField(label=_("First names"), max_length=150)
    last_name = TextField(label=_("Last names"), max_length=150)
    email = forms.CharField(label=_("Email"), max_length=254)
    portal_enabled = forms.BooleanField(
        label=_("Enable this user for the purchase portal"), required=False, initial=True
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        explain_username(self, organization)
        offer_customers(self, organization)

    def clean_username(self):
        return clean_username(self, self.cleaned_data["username"])

    def clean_email(self):
        email = normalize_email(self.cleaned_data["email"])
        if email_in_use(email, organization=self.organization):
            raise ValidationError(_("A user with this email already exists."), code="taken")
        return email


class PersonForm(forms.Form):
    """An administrator edits a partner's person: names, phone and, for a customer's person,
    the username and the customer (people.editable_fields says which). Bound to the person's
    current values; the page and the API (PATCH, with only the fields it sends) both use it."""

    # As long as a username may be: people imported from a file have their email as username.
    username = forms.CharField(label=_("Username"), max_length=150)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Partner.objects.none())
    first_name = TextField(label=_("First names"), max_length=150)
    last_name = TextField(label=_("Last names"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, data=None, *, person: User, editable):
        self.person = person
        self.organization = person.organization
        initial = {
            "username": person.username,
            "customer": person.partner_id,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "phone": person.phone,
        }
        super().__init__(data, initial=initial)
        if "username" not in editable:
            del self.fields["username"]
        if "partner" not in editable:
            del self.fields["customer"]
        else:
            offer_customers(self, self.organization)
        if "username" in self.fields:
            explain_username(self, self.organization)
        self.fields["phone"].widget.attrs.update(autocomplete="off", inputmode="tel")

    def clean_username(self):
        value = self.cleaned_data["username"]
        if value == self.person.username:
            return value  # kept as it is (an imported person's email, for one)
        return clean_username(self, value, person=self.person)

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_last_name(self):
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return normalize_phone(self.organization.country, phone) if phone else ""

    def changes(self) -> dict:
        """The cleaned values under the names people.edit takes."""
        data = dict(self.cleaned_data)
        if "customer" in data:
            data["partner"] = data.pop("customer")
        return data


class RegistrationForm(ChoosePasswordForm):
    """Registration by link, prefilled from the invitation. Email and customer are shown,
    disabled: Django then keeps the initial value whatever the browser sends."""

    email = forms.CharField(label=_("Email"), disabled=True, required=False)
    customer = forms.CharField(label=_("Customer"), disabled=True, required=False)
    first_name = TextField(label=_("First names"), max_length=150)
    last_name = TextField(label=_("Last names"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    job_title = TextField(label=_("Job title"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)

    # In the order people fill it: who they are, then the password, its rules beside it.
    field_order = ["first_name", "last_name", "email", "phone", "job_title", "customer", "language"]

    def __init__(self, *args, invitation: Invitation, **kwargs):
        partner = invitation.partner
        initial = {
            "email": invitation.user.email if invitation.user else invitation.email,
            "customer": f"{partner.code} · {partner.name}" if partner else "",
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "phone": invitation.phone,
            "language": invitation.language,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.invitation = invitation
        self.country = invitation.organization.country
        self.joins_account = invitation.user_id is not None and invitation.user.joins_existing_account()
        if self.joins_account:
            ask_account_password(self)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["job_title"].widget.attrs["autocomplete"] = "organization-title"

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_last_name(self):
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_job_title(self):
        return " ".join(self.cleaned_data["job_title"].split())

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return normalize_phone(self.country, phone) if phone else ""

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password and "password2" not in self.errors and not self.joins_account:
            # Every error at once: the password is checked here too, against the names typed.
            person = User(
                username=self.initial["email"],
                email=self.initial["email"],
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, person)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class CodeForm(forms.Form):
    """The first step of registration by code: the code from the invitation email."""

    code = forms.CharField(
        label=_("Activation code"),
        max_length=40,
        help_text=_("The code from your invitation email, e.g. 7KQ4-M2XD-9PHT."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters", "autofocus": True}
        ),
    )


class SupplierAccountForm(ChoosePasswordForm):
    """The supplier person's account, once the code is verified."""

    email = forms.CharField(
        label=_("Email"), max_length=150, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    first_name = TextField(
        label=_("First names"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = TextField(
        label=_("Last names"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )

    # Who they are first, then the password (as RegistrationForm).
    field_order = ["first_name", "last_name", "email"]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["password1"].help_text = format_html(
            "<p>{}</p>{}",
            _("If you already have an Enlace account with this email, enter its password."),
            self.fields["password1"].help_text,
        )

    def clean_email(self):
        email = normalize_email(self.cleaned_data["email"])
        if email_in_use(email, organization=self.organization):
            raise ValidationError(_("A user with this email already exists."), code="taken")
        return email


class ForgotPasswordForm(forms.Form):
    """Who forgot their password: what they type at login, the username or the email."""

    identifier = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
