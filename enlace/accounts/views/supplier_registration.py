"""A supplier's person registers with the activation code from the invitation email.

One URL per step: the page shows the code form, or, once a code is verified, the inviting
organization and the supplier to confirm with the account form. The code is entered at its own
URL, the account is created at its own URL (services.register_with_code: the account, the
company marked registered for every organization that lists it, the invitation used up, in one
transaction), and a third URL starts over with another code.

The code is never kept: once verified, the browser keeps a proof of its invitation in a cookie
(views.pending), never in a URL or the session table. Guessing is slowed twice:
every refused code counts against the client's address (enlace.lib.ratelimit), and refused
submissions made with a known code count against that code (lookup.note_failed_attempt): after
lookup.MAX_FAILED_ATTEMPTS the code is locked, though its invitation stays pending, until an
admin resends it, which draws a new code and resets the count.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from enlace.accounts.forms import CodeForm, SupplierAccountForm
from enlace.accounts.services import register_with_code
from enlace.accounts.views.dead_links import reason_shown, renew_link
from enlace.accounts.views.language import speak_language_of
from enlace.accounts.views.pending import PendingInvitation
from enlace.invitations import secrets
from enlace.invitations.lookup import CodeRefused, find_by_code, note_failed_attempt
from enlace.invitations.models import Invitation
from enlace.invitations.secrets import secret_of
from enlace.lib import ratelimit
from enlace.lib.errors import DomainError

PENDING = PendingInvitation(
    cookie="enlace_supplier_code", kind=Invitation.Kind.SUPPLIER_CODE, page="accounts:supplier_register"
)
RATE_SCOPE = "supplier_code"


def refusal_message(error: CodeRefused) -> str:
    organization = error.invitation.organization.name if error.invitation else None
    if error.reason == "locked":
        return _("This code is locked after too many failed attempts. Ask %(org)s to send you a new one.") % {
            "org": organization
        }
    if error.reason == "expired":
        return _("This code has expired. You can ask for a new one below.")
    if error.reason == "used" or error.reason in (Invitation.State.REGISTERED, Invitation.State.ACTIVATED):
        return _("This code has already been used. Log in with your email and password.")
    if error.reason == "replaced":
        return _(
            "This code was replaced by a newer one that %(org)s sent on %(date)s: use the code in the "
            "latest email."
        ) % {
            "date": formats.date_format(timezone.localtime(error.replaced_at), "DATETIME_FORMAT"),
            "org": organization,
        }
    if organization:
        return _("This code is no longer valid. Ask %(org)s to send you a new one.") % {"org": organization}
    return _("This code is not valid. Check it against your invitation email and try again.")


def _code_step(request, form, status=200, error=None, renewable=False):
    context = {"form": form, "error": error, "renewable": renewable}
    return render(request, "accounts/supplier/code.html", context, status=status)


def _refused(request, error: CodeRefused):
    """The verified code stopped working: ask for one again, or, for an expired one, offer to
    send a new one (which needs the flow's cookie kept)."""
    if error.invitation is not None:
        speak_language_of(request, error.invitation)
    renewable = reason_shown(error) == "expired"
    response = _code_step(request, CodeForm(), status=410, error=refusal_message(error), renewable=renewable)
    return response if renewable else PENDING.forget(response)


def _account_form(request, invitation):
    initial = {
        "email": invitation.email,
        "first_name": invitation.first_name,
        "last_name": invitation.last_name,
    }
    return SupplierAccountForm(request.POST or None, initial=initial, organization=invitation.organization)


def _confirm_step(request, form, invitation):
    return render(
        request,
        "accounts/supplier/confirm.html",
        {"form": form, "invitation": invitation, "partner": invitation.partner},
    )


@require_GET
def register(request):
    """The registration page: the code form, or the confirmation and account form for the
    verified code."""
    if not PENDING.is_open(request):
        return _code_step(request, CodeForm())
    try:
        invitation = PENDING.find(request)
    except CodeRefused as error:
        return _refused(request, error)
    speak_language_of(request, invitation)
    return _confirm_step(request, _account_form(request, invitation), invitation)


@require_POST
def enter_code(request):
    form = CodeForm(request.POST)
    # Counted before the code is looked up, so that simultaneous guesses cannot pass the limit.
    attempt = ratelimit.attempt(RATE_SCOPE, ratelimit.client_address(request))
    if not attempt.allowed:
        form.add_error(None, _("Too many failed attempts. Wait a few minutes and try again."))
        return _code_step(request, form, status=429)
    if not form.is_valid():
        attempt.give_back()  # nothing was looked up
        return _code_step(request, form)
    typed = form.cleaned_data["code"]
    try:
        invitation = find_by_code(typed)
    except CodeRefused as error:
        if error.invitation is not None:
            speak_language_of(request, error.invitation)
        form.add_error("code", refusal_message(error))
        if reason_shown(error) == "expired":
            # The real code of an expired invitation: the page offers to send a new one.
            response = _code_step(request, form, renewable=True)
            typed_hash = secrets.hash_secret(secrets.normalize_code(typed))
            return PENDING.keep(response, error.invitation, secret_hash=typed_hash)
        return _code_step(request, form)
    attempt.give_back()  # the right code: only refused ones count
    speak_language_of(request, invitation)
    return PENDING.keep(redirect("accounts:supplier_register"), invitation)


@require_POST
def create_account(request):
    """The account step; a refused submission counts against the code."""
    if not PENDING.is_open(request):
        return _code_step(request, CodeForm())
    try:
        invitation = PENDING.find(request)
        speak_language_of(request, invitation)
        form = _account_form(request, invitation)
        user = _register(request, form, secret_of(invitation), invitation)
    except CodeRefused as error:
        return _refused(request, error)
    if user is None:
        return _confirm_step(request, form, invitation)
    login(request, user, backend="enlace.accounts.backends.PortalBackend")
    messages.success(
        request,
        _("Welcome! %(company)s is now registered on the network.") % {"company": invitation.partner.name},
    )
    return PENDING.forget(redirect("home"))


def _register(request, form, code, invitation):
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


@require_POST
def renew(request):
    """ "Send me a new code" under an expired code: a new one to the invitation's own address."""
    return renew_link(request, pending=PENDING)


@require_POST
def restart(request):
    """Not this company: forget the code and ask for another."""
    return PENDING.forget(redirect("accounts:supplier_register"))
