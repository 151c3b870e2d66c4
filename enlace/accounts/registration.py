"""Registration by emailed link: a customer's person, imported by an admin, completes the account.

The link leads to a form prefilled from the invitation. Submitting it consumes the registration
invitation and issues the activation email in one transaction; the person then activates with
that email's link and logs in with the password chosen here.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from enlace.accounts.forms import ChoosePasswordForm
from enlace.accounts.models import User
from enlace.accounts.views import speak_language_of
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations.models import Invitation
from enlace.invitations.services import InvitationInvalid, find_by_token, issue_invitation, mark_used
from enlace.lib import ratelimit
from enlace.lib.forms import normalize_phone

REGISTRATION_TOKEN_SESSION_KEY = "registration_token"
REGISTERED_SESSION_KEY = "registration_done"


# --- service ----------------------------------------------------------------------------------


@transaction.atomic
def register_with_link(
    *,
    token: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    job_title: str = "",
    language: str = "",
    now=None,
) -> User:
    """Complete the invited person's account and consume the registration link.

    The invitation row is locked first, so of two simultaneous submissions one registers and
    the other finds the link used (InvitationInvalid). The email and the customer come from the
    invitation, never from the caller. Raises ValidationError for a password the validators
    refuse. Issues the activation invitation (and its email) in the same transaction.
    """
    invitation = find_by_token(token, kind=Invitation.Kind.REGISTRATION, lock=True, now=now)
    if invitation.user_id is None:
        raise InvitationInvalid("no_user")
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    if user.status != User.Status.PENDING_ACTIVATION:
        raise InvitationInvalid("already_registered")
    user.first_name = first_name
    user.last_name = last_name
    user.phone = phone
    user.job_title = job_title
    user.language = language or invitation.language
    password_validation.validate_password(password, user)
    user.set_password(password)
    # Their own password: no temporary one to replace, so the first login makes them ready.
    user.must_change_password = False
    user.temporary_password_expires_at = None
    user.save()
    mark_used(invitation, event="register", now=now)
    record(
        organization=invitation.organization,
        action=AuditEvent.Action.REGISTERED,
        actor=user,
        user=user,
        invitation=invitation,
    )
    issue_invitation(
        organization=invitation.organization,
        kind=Invitation.Kind.ACTIVATION,
        email=user.email,
        user=user,
        partner=invitation.partner,
        first_name=user.first_name,
        last_name=user.last_name,
        language=user.language,
    )
    return user


# --- form -------------------------------------------------------------------------------------


class RegistrationForm(ChoosePasswordForm):
    """Prefilled from the invitation. Email and customer are shown, disabled: Django then keeps
    the initial value whatever the browser sends."""

    email = forms.CharField(label=_("Email"), disabled=True, required=False)
    customer = forms.CharField(label=_("Customer"), disabled=True, required=False)
    first_name = forms.CharField(label=_("First names"), max_length=150)
    last_name = forms.CharField(label=_("Last names"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)

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
        if password and "password2" not in self.errors:
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


# --- views ------------------------------------------------------------------------------------


def registration_link(request, token):
    """The emailed link. Opening it never consumes it (mail scanners open links too): the token
    moves to the session and the browser goes to a token-free address, out of the Referer."""
    request.session[REGISTRATION_TOKEN_SESSION_KEY] = token
    return redirect("accounts:register")


def _invalid(request, *, rate_limited=False):
    """The same page for unknown, used and expired links: it tells nobody which links exist."""
    context = {"rate_limited": rate_limited}
    return render(request, "accounts/link_invalid.html", context, status=429 if rate_limited else 410)


@require_http_methods(["GET", "POST"])
def register(request):
    token = request.session.get(REGISTRATION_TOKEN_SESSION_KEY)
    if token is None and REGISTERED_SESSION_KEY in request.session:
        return _registered(request)
    identity = ratelimit.client_address(request)
    if ratelimit.is_limited("register", identity):
        return _invalid(request, rate_limited=True)
    try:
        invitation = find_by_token(token or "", kind=Invitation.Kind.REGISTRATION)
    except InvitationInvalid:
        ratelimit.record_failure("register", identity)
        return _invalid(request)
    speak_language_of(request, invitation)
    form = RegistrationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_with_link(
                token=token,
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                job_title=data["job_title"],
                language=data["language"],
            )
        except InvitationInvalid:
            return _invalid(request)
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            del request.session[REGISTRATION_TOKEN_SESSION_KEY]
            # Post/redirect/get: reloading the next page shows it again instead of re-posting.
            request.session[REGISTERED_SESSION_KEY] = {"email": user.email, "language": user.language}
            return redirect("accounts:register")
    return render(request, "accounts/registration/form.html", {"form": form, "invitation": invitation})


def _registered(request):
    done = request.session[REGISTERED_SESSION_KEY]
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and done.get("language"):
        translation.activate(done["language"])
        request.LANGUAGE_CODE = done["language"]
    return render(request, "accounts/registration/registered.html", {"email": done["email"]})
