"""A supplier's person registers with the activation code from the invitation email.

The page asks for the code, then shows the inviting organization and the supplier to confirm,
then creates the person's account, marks the company registered (for every organization that
lists it) and uses up the invitation, all in one transaction.

The code travels from step to step in the session, never in a URL. Guessing is slowed twice:
every refused code counts against the client's address (enlace.lib.ratelimit), and refused
submissions made with a known code count against that code (Invitation.failed_attempts): after
MAX_FAILED_ATTEMPTS the code is locked, though its invitation stays pending, until an admin
resends it, which draws a new code and resets the count.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from enlace.accounts.forms import ChoosePasswordForm
from enlace.accounts.models import User
from enlace.accounts.services import email_in_use
from enlace.accounts.views import speak_language_of
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations import secrets
from enlace.invitations.models import Invitation
from enlace.invitations.services import InvitationInvalid, check_usable, mark_used
from enlace.lib import ratelimit
from enlace.lib.errors import DomainError
from enlace.lib.forms import normalize_email
from enlace.partners.models import Company

MAX_FAILED_ATTEMPTS = 10
SESSION_KEY = "supplier_code"
RATE_SCOPE = "supplier_code"


class CodeRefused(InvitationInvalid):
    """A code that cannot be used, with the invitation when the code was a real one."""

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.invitation = invitation


# --- services ---------------------------------------------------------------------------------


def find_by_code(typed: str, *, lock=False, now=None) -> Invitation:
    """The usable supplier invitation for a typed code (any case, with or without dashes or
    spaces), or CodeRefused with the reason: malformed, unknown, locked, used, expired ..."""
    code = secrets.normalize_code(typed or "")
    if not code:
        raise CodeRefused("malformed")
    qs = Invitation.objects.select_related("organization", "partner", "partner__company")
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        invitation = qs.get(secret_hash=secrets.hash_secret(code), kind=Invitation.Kind.SUPPLIER_CODE)
    except Invitation.DoesNotExist:
        raise CodeRefused("unknown") from None
    if invitation.partner_id is None:
        raise CodeRefused("unknown")
    try:
        check_usable(invitation, now=now)
    except InvitationInvalid as error:
        raise CodeRefused(error.reason, invitation) from None
    if invitation.failed_attempts >= MAX_FAILED_ATTEMPTS:
        raise CodeRefused("locked", invitation)
    return invitation


@transaction.atomic
def note_failed_attempt(*, invitation: Invitation) -> int:
    """Count one refused submission made with this code; the tenth locks it (audited)."""
    Invitation.objects.filter(pk=invitation.pk).update(failed_attempts=F("failed_attempts") + 1)
    attempts = Invitation.objects.values_list("failed_attempts", flat=True).get(pk=invitation.pk)
    if attempts == MAX_FAILED_ATTEMPTS:
        record(
            organization=invitation.organization,
            action=AuditEvent.Action.LOCKED,
            invitation=invitation,
            detail=invitation.email,
        )
    return attempts


@transaction.atomic
def register_with_code(
    *, code: str, email: str, password: str, first_name: str, last_name: str, now=None
) -> User:
    """Create the supplier person's account from a usable code, mark the company registered
    and the invitation registered. Raises CodeRefused, DomainError (email in use) or
    ValidationError (a password the validators refuse)."""
    now = now or timezone.now()
    invitation = find_by_code(code, lock=True, now=now)
    partner = invitation.partner
    company = Company.objects.select_for_update().get(pk=partner.company_id)
    email = normalize_email(email)
    if email_in_use(email) or User.objects.filter(username=email).exists():
        raise DomainError("email_taken", _("A user with this email already exists."), field="email")
    user = User(
        username=email,
        email=email,
        first_name=first_name,
        last_name=last_name,
        profile=User.Profile.SUPPLIER,
        organization=invitation.organization,
        partner=partner,
        language=invitation.language,
    )
    validate_password(password, user)
    user.set_password(password)
    # The person chose their own password here: nothing is left to activate.
    user.mark_activated()
    user.mark_ready()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DomainError("email_taken", _("A user with this email already exists."), field="email") from None
    if company.registered_at is None:
        company.registered_at = now
        company.save(update_fields=["registered_at"])
    mark_used(invitation, event="register", now=now)
    record(
        organization=invitation.organization,
        action=AuditEvent.Action.REGISTERED,
        actor=user,
        user=user,
        invitation=invitation,
        detail=email,
    )
    return user


# --- views ------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Activation code"),
        max_length=40,
        help_text=gettext_lazy("The code from your invitation email, e.g. 7KQ4-M2XD-9PHT."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters", "autofocus": True}
        ),
    )


class SupplierAccountForm(ChoosePasswordForm):
    email = forms.CharField(
        label=gettext_lazy("Email"), max_length=150, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    first_name = forms.CharField(
        label=gettext_lazy("First names"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last names"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )

    def clean_email(self):
        email = normalize_email(self.cleaned_data["email"])
        if email_in_use(email):
            raise ValidationError(_("A user with this email already exists."), code="taken")
        return email


def refusal_message(error: CodeRefused) -> str:
    organization = error.invitation.organization.name if error.invitation else None
    if error.reason == "locked":
        return _("This code is locked after too many failed attempts. Ask %(org)s to send you a new one.") % {
            "org": organization
        }
    if error.reason == "expired":
        return _("This code has expired. Ask %(org)s to send you a new one.") % {"org": organization}
    if error.reason == "used" or error.reason in (Invitation.State.REGISTERED, Invitation.State.ACTIVATED):
        return _("This code has already been used. Log in with your email and password.")
    if organization:
        return _("This code is no longer valid. Ask %(org)s to send you a new one.") % {"org": organization}
    return _("This code is not valid. Check it against your invitation email and try again.")


def _code_step(request, form, status=200, error=None):
    return render(request, "accounts/supplier/code.html", {"form": form, "error": error}, status=status)


@require_http_methods(["GET", "POST"])
def register(request):
    """The supplier registration page: code, then confirmation and account."""
    action = request.POST.get("action", "")
    if action == "restart":
        request.session.pop(SESSION_KEY, None)
        return redirect("accounts:supplier_register")
    identity = ratelimit.client_address(request)
    if action == "code":
        return _enter_code(request, identity)
    code = request.session.get(SESSION_KEY)
    if not code:
        return _code_step(request, CodeForm())
    try:
        invitation = find_by_code(code)
        speak_language_of(request, invitation)
        initial = {
            "email": invitation.email,
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
        }
        form = SupplierAccountForm(request.POST or None, initial=initial)
        user = _register(request, form, code, invitation) if action == "register" else None
    except CodeRefused as error:
        request.session.pop(SESSION_KEY, None)
        return _code_step(request, CodeForm(), status=410, error=refusal_message(error))
    if user is not None:
        request.session.pop(SESSION_KEY, None)
        login(request, user, backend="enlace.accounts.backends.PortalBackend")
        messages.success(
            request,
            _("Welcome! %(company)s is now registered on the network.")
            % {"company": invitation.partner.name},
        )
        return redirect("home")
    return render(
        request,
        "accounts/supplier/confirm.html",
        {"form": form, "invitation": invitation, "partner": invitation.partner},
    )


def _enter_code(request, identity):
    form = CodeForm(request.POST)
    if ratelimit.is_limited(RATE_SCOPE, identity):
        form.add_error(None, _("Too many failed attempts. Wait a few minutes and try again."))
        return _code_step(request, form, status=429)
    if form.is_valid():
        try:
            invitation = find_by_code(form.cleaned_data["code"])
        except CodeRefused as error:
            ratelimit.record_failure(RATE_SCOPE, identity)
            if error.invitation is not None:
                speak_language_of(request, error.invitation)
            form.add_error("code", refusal_message(error))
        else:
            request.session[SESSION_KEY] = secrets.normalize_code(form.cleaned_data["code"])
            speak_language_of(request, invitation)
            return redirect("accounts:supplier_register")
    return _code_step(request, form)


def _register(request, form, code, invitation):
    """The account step; a refused submission counts against the code."""
    user = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = register_with_code(
                code=code,
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except DomainError as error:
            form.add_error(error.extra.get("field"), error.message)
        except ValidationError as error:
            form.add_error("password1", error)
    if user is None:
        ratelimit.record_failure(RATE_SCOPE, ratelimit.client_address(request))
        note_failed_attempt(invitation=invitation)
    return user
