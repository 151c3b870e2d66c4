"""My account: every signed-in person's own sign-in (accounts.my_account), one page per step:
the overview with the language and "sign out of other sessions", the password, the email
address (asked, sent, then confirmed from the emailed link)."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enlace.accounts import my_account
from enlace.accounts.forms import ChangeEmailForm, ChangePasswordForm, LanguageForm
from enlace.accounts.models import EmailChange
from enlace.accounts.my_account import EmailChangeInvalid
from enlace.accounts.views.language import speak_language_of
from enlace.accounts.views.pending import PendingLink
from enlace.lib import ratelimit
from enlace.lib.errors import DomainError

RATE_SCOPE = "email_change_link"

# The confirmation link's cookie: the change's id and a keyed proof of it, never the token.
PENDING = PendingLink(
    cookie="enlace_email_change",
    page="accounts:email_change_confirm",
    rate_scope=RATE_SCOPE,
    flow=my_account,
    invalid=EmailChangeInvalid,
)


def _add_error(form, error: DomainError):
    form.add_error(error.extra.get("field"), str(error.message))


@require_GET
@login_required
def overview(request):
    pending = (
        EmailChange.objects.filter(user__in=my_account.users_of(request.user), used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    current = request.user.chosen_language or translation.get_language()
    context = {
        "language_form": LanguageForm(initial={"language": current}),
        "pending_change": pending if pending and pending.is_usable() else None,
    }
    return render(request, "accounts/my_account/overview.html", context)


@require_POST
@login_required
def choose_language(request):
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the languages offered."))
        return redirect("accounts:my_account")
    language = form.cleaned_data["language"]
    try:
        my_account.choose_language(user=request.user, language=language)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        translation.activate(language)  # the message below, in the language just chosen
        messages.success(request, _("Enlace speaks your language now."))
    return redirect("accounts:my_account")


@require_http_methods(["GET", "POST"])
@login_required
def change_password(request):
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            my_account.change_password(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["password1"],
            )
        except DomainError as error:
            _add_error(form, error)
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            update_session_auth_hash(request, request.user)  # this session stays; the others end
            messages.success(request, _("Your new password has been saved. Your other sessions have ended."))
            return redirect("accounts:my_account")
    return render(request, "accounts/my_account/password.html", {"form": form})


@require_POST
@login_required
def end_other_sessions(request):
    my_account.end_other_sessions(user=request.user)
    update_session_auth_hash(request, request.user)
    messages.success(request, _("You have been signed out everywhere else. This session stays open."))
    return redirect("accounts:my_account")


@require_http_methods(["GET", "POST"])
@login_required
def change_email(request):
    form = ChangeEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = my_account.ask_to_change_email(
                user=request.user,
                new_email=form.cleaned_data["new_email"],
                password=form.cleaned_data["password"],
                language=request.LANGUAGE_CODE,
            )
        except DomainError as error:
            _add_error(form, error)
        else:
            request.session["email_change_sent_to"] = change.new_email
            return redirect("accounts:email_change_sent")
    return render(request, "accounts/my_account/email.html", {"form": form})


@require_GET
@login_required
def email_change_sent(request):
    sent_to = request.session.get("email_change_sent_to")
    if not sent_to:
        return redirect("accounts:change_email")
    return render(request, "accounts/my_account/email_sent.html", {"sent_to": sent_to})


def email_change_link(request, token):
    """The link emailed to the new address. Opening it never uses it up and writes nothing (mail
    scanners open links too): the browser keeps a proof, not the token, and goes to a token-free
    address where the person confirms."""
    return PENDING.open_link(request, token)


def _invalid(request, *, rate_limited=False):
    context = {"rate_limited": rate_limited}
    return render(
        request, "accounts/my_account/link_invalid.html", context, status=429 if rate_limited else 410
    )


@require_http_methods(["GET", "POST"])
def confirm_email_change(request):
    attempt = ratelimit.attempt(RATE_SCOPE, ratelimit.client_address(request))
    if not attempt.allowed:
        return _invalid(request, rate_limited=True)
    try:
        change = PENDING.find(request)
    except EmailChangeInvalid:
        return PENDING.forget(_invalid(request))
    attempt.give_back()  # a valid link: only wrong ones count
    if not request.user.is_authenticated:
        speak_language_of(request, change)
    error = None
    if request.method == "POST":
        try:
            user = my_account.confirm_email_change(token=my_account.token_of(change))
        except EmailChangeInvalid:
            return PENDING.forget(_invalid(request))
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(request, _("Your email address is now %(email)s.") % {"email": user.email})
            request.session.pop("email_change_sent_to", None)
            destination = "accounts:my_account" if request.user.is_authenticated else "accounts:login"
            return PENDING.forget(redirect(destination))
    return render(request, "accounts/my_account/email_confirm.html", {"change": change, "error": error})
