"""Forgot password: ask for a link (the same answer for every identifier), open it, choose a new
password (accounts.password_reset)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from enlace.accounts import password_reset
from enlace.accounts.forms import ForgotPasswordForm, NewPasswordForm
from enlace.accounts.password_reset import ResetInvalid
from enlace.accounts.views.language import speak_language_of
from enlace.accounts.views.pending import PendingLink
from enlace.lib import ratelimit

RATE_SCOPE = "password_reset_link"


# The reset link's cookie: the reset's id and a keyed proof of it, never the token.
PENDING = PendingLink(
    cookie="enlace_password_reset",
    page="accounts:password_reset",
    rate_scope=RATE_SCOPE,
    flow=password_reset,
    invalid=ResetInvalid,
)


@require_http_methods(["GET", "POST"])
def forgot_password(request):
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset.ask_for_reset(
            identifier=form.cleaned_data["identifier"],
            address=ratelimit.client_address(request),
            language=request.LANGUAGE_CODE,
        )
        # The same answer whoever was named, limited or not: it tells nobody who has an account.
        return redirect("accounts:password_reset_requested")
    return render(request, "accounts/password_reset/forgot.html", {"form": form})


@require_GET
def reset_requested(request):
    return render(request, "accounts/password_reset/requested.html")


def reset_link(request, token):
    """The emailed link. Opening it never uses it up and writes nothing (mail scanners open
    links too): the browser keeps a proof, not the token, and goes to a token-free address."""
    return PENDING.open_link(request, token)


def _invalid(request, *, rate_limited=False):
    context = {"rate_limited": rate_limited}
    status = 429 if rate_limited else 410
    return render(request, "accounts/password_reset/invalid.html", context, status=status)


@require_http_methods(["GET", "POST"])
def choose_password(request):
    attempt = ratelimit.attempt(RATE_SCOPE, ratelimit.client_address(request))
    if not attempt.allowed:
        return _invalid(request, rate_limited=True)
    try:
        reset = PENDING.find(request)
    except ResetInvalid:
        return PENDING.forget(_invalid(request))
    attempt.give_back()  # a valid link: only wrong ones count
    speak_language_of(request, reset)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = password_reset.reset_password(
                token=password_reset.token_of(reset), password=form.cleaned_data["password1"]
            )
        except ResetInvalid:
            return PENDING.forget(_invalid(request))
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            # A new session for the new password; every other session of the user has ended.
            login(request, user, backend="enlace.accounts.backends.PortalBackend")
            messages.success(request, _("Your new password has been saved. You are logged in."))
            return PENDING.forget(redirect("home"))
    return render(request, "accounts/password_reset/choose.html", {"form": form})
